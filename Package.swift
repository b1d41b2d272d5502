// swift-tools-version:6.0
import PackageDescription

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
        .target(name: "LossKitCABI", dependencies: ["LossKit", "CLossKitRuntime"]),
        .testTarget(name: "LossKitTests", dependencies: ["LossKit"]),
    ]
)
