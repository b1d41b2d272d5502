// swift-tools-version:6.0
import Foundation
import PackageDescription

/// A program that depends on LossKit by path, as a Swift user's package would (by URL).
/// SwiftPM names a path dependency after its folder, so the product is looked up in the
/// package whose folder holds this example (the repository, whatever its clone is called).
let lossKitFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "LossKitExample",
    dependencies: [.package(path: lossKitFolder.path)],
    targets: [
        .executableTarget(
            name: "LossKitExample",
            dependencies: [.product(name: "LossKit", package: lossKitFolder.lastPathComponent)]),
    ]
)
