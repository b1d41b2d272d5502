import Foundation
import LossKit
import Testing

/// Tests of the catalogue: ids are positions, names are unique, and the JSON the C ABI
/// publishes parses (with Foundation's independent parser) into exactly the specs.

@Suite("Catalogue")
struct CatalogueTests {
    @Test func namesAreUniqueAndIdsAreStable() throws {
        let specs = Catalogue.specs
        #expect(Set(specs.map(\.name)).count == specs.count)
        // Ids are ABI: the first entries keep their positions forever, whatever is appended.
        #expect(Array(specs.map(\.name).prefix(5))
                == ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits", "cross_entropy"])
        for (id, entry) in Catalogue.entries.enumerated() {
            switch entry {
            case .elementwise(let type):
                #expect(specs[id].kind == .elementwise)
                #expect(try Catalogue.elementwiseLoss(id: id).spec.name == type.spec.name)
                expectError(.unknownLoss, mentioning: "not a row-wise loss") { _ = try Catalogue.rowwiseLoss(id: id) }
                expectError(.unknownLoss, mentioning: "not an embedding loss") { _ = try Catalogue.embeddingLoss(id: id) }
            case .rowwise(let type):
                #expect(specs[id].kind == .rowwise && specs[id].rowTarget != nil)
                #expect(try Catalogue.rowwiseLoss(id: id).spec.name == type.spec.name)
                expectError(.unknownLoss, mentioning: "not elementwise") { _ = try Catalogue.elementwiseLoss(id: id) }
            case .embedding(let type):
                #expect(specs[id].kind == .embedding)
                #expect(try Catalogue.embeddingLoss(id: id).spec.name == type.spec.name)
                expectError(.unknownLoss, mentioning: "not elementwise") { _ = try Catalogue.elementwiseLoss(id: id) }
            case .overlap(let type):
                #expect(specs[id].kind == .overlap)
                #expect(try Catalogue.overlapLoss(id: id).spec.name == type.spec.name)
                expectError(.unknownLoss, mentioning: "not a row-wise loss") { _ = try Catalogue.rowwiseLoss(id: id) }
            case .structured(let spec):
                #expect(spec.kind != .elementwise && spec.kind != .rowwise && spec.kind != .overlap)
                expectError(.unknownLoss, mentioning: "not elementwise") { _ = try Catalogue.elementwiseLoss(id: id) }
            }
        }
    }

    @Test func defaultsAreInRange() {
        for spec in Catalogue.specs {
            #expect(throws: Never.self, "\(spec.name)") { try spec.validate(spec.parameters.map(\.defaultValue)) }
            #expect(!spec.formula.isEmpty && !spec.derivatives.isEmpty, "\(spec.name)")
        }
    }

    @Test func jsonParsesIntoTheSpecs() throws {
        let document = try parse(Catalogue.json(version: "9.8.7"))
        #expect(document["version"] as? String == "9.8.7")
        let losses = try #require(document["losses"] as? [[String: Any]])
        #expect(losses.count == Catalogue.specs.count)
        for (id, (entry, spec)) in zip(losses, Catalogue.specs).enumerated() {
            #expect(entry["id"] as? Int == id)
            #expect(entry["name"] as? String == spec.name)
            #expect(entry["kind"] as? String == spec.kind.rawValue)
            #expect(entry["formula"] as? String == spec.formula)
            #expect(entry["derivatives"] as? String == spec.derivatives)
            if let column = spec.columnParameter {
                #expect(entry["column_parameter"] as? String == column)
            } else {
                #expect(entry["column_parameter"] is NSNull, "\(spec.name)")
            }
            let parameters = try #require(entry["parameters"] as? [[String: Any]])
            #expect(parameters.count == spec.parameters.count)
            for (json, p) in zip(parameters, spec.parameters) {
                #expect(json["name"] as? String == p.name)
                #expect((json["default"] as? NSNumber)?.doubleValue == p.defaultValue)
                #expect(bound(json["lower"], null: -.infinity) == p.lower, "\(p.name)")
                #expect(bound(json["upper"], null: .infinity) == p.upper, "\(p.name)")
                #expect(json["lower_inclusive"] as? Bool == p.lowerInclusive)
                #expect(json["upper_inclusive"] as? Bool == p.upperInclusive)
                #expect(json["flag"] as? Bool == p.isFlag)
            }
        }
        let bce = try #require(losses.first { $0["name"] as? String == "binary_cross_entropy_with_logits" })
        #expect(bce["column_parameter"] as? String == "pos_weight")
        let huber = try #require(losses.first { $0["name"] as? String == "huber_loss" })
        let delta = try #require((huber["parameters"] as? [[String: Any]])?.first)
        #expect(delta["lower"] as? Double == 0 && delta["upper"] is NSNull)
    }

    /// Quotes, backslashes and newlines in strings are escaped.
    @Test func jsonEscapesStrings() throws {
        let version = "1\"2\\3\n4"
        #expect(try parse(Catalogue.json(version: version))["version"] as? String == version)
    }

    func parse(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    /// A range bound: a number, or null, the catalogue's spelling of the infinite bound.
    func bound(_ value: Any?, null infinity: Double) -> Double? {
        value is NSNull ? infinity : (value as? NSNumber)?.doubleValue
    }
}
