import CLossKitRuntime
import LossKit

/// The catalogue JSON, built once and kept for the life of the process.
nonisolated(unsafe) let catalogueJSON: UnsafeMutablePointer<CChar> = {
    let text = Catalogue.json(version: String(cString: lk_runtime_version()))
    let bytes = Array(text.utf8CString)
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    buffer.initialize(from: bytes, count: bytes.count)
    return buffer
}()

@c
public func lk_catalogue_json() -> UnsafePointer<CChar> {
    UnsafePointer(catalogueJSON)
}

@c
public func lk_loss_id(_ name: UnsafePointer<CChar>?, _ id: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded { () throws(LossKitError) in
        guard let name else { throw LossKitError(.nullPointer, "name is NULL") }
        guard let id else { throw LossKitError(.nullPointer, "id is NULL") }
        let wanted = String(cString: name)
        guard let found = Catalogue.specs.firstIndex(where: { $0.name == wanted }) else {
            throw LossKitError(.unknownLoss, "no loss is named '\(wanted)'")
        }
        id.pointee = Int32(found)
    }
}
