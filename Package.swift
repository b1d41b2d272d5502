// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Absolute path of a file in this package (the linker does not run in the package folder).
let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

/// LossKit: losses with fused gradients and Hessians.
///
/// - `LossKit` is the Swift core (formulas, drivers, catalogue) for Swift programs.
/// - `losskit` is the self-contained C library `liblosskit.so`: the C ABI declared in
///   `include/losskit.h`. Build it with `swift build -c release -Xswiftc -static-stdlib`
///   so that it needs no Swift runtime where it is used.
let package = Package(
    name: "LossKit",
    products: [
        .library(name: "LossKit", targets: ["LossKit"]),
        .library(name: "losskit", type: .dynamic, targets: ["LossKitCABI"]),
    ],
    targets: [
        .target(name: "CLossKitSupport"),
        .target(name: "LossKit", dependencies: ["CLossKitSupport"]),
        .target(name: "CLossKitRuntime"),
        .target(
            name: "LossKitCABI", dependencies: ["LossKit", "CLossKitRuntime"],
            exclude: ["exports.map"],
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(packageDirectory)/Sources/LossKitCABI/exports.map"])]),
        .testTarget(name: "LossKitTests", dependencies: ["LossKit"]),
    ]
)
