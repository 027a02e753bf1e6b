// swift-tools-version:6.0
// libFuzzer targets for every parser of asr (make fuzz). A package of its own, so that
// the sanitizer build (-sanitize=fuzzer,address, all of asr's Swift code instrumented)
// lives in its own .build and never touches the main one.
import PackageDescription

let package = Package(
    name: "asr-fuzz",
    dependencies: [.package(name: "asr", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "asr-fuzz",
            dependencies: [
                "CFuzzDriver",
                .product(name: "ASRCore", package: "asr"),
                .product(name: "ASRText", package: "asr"),
                .product(name: "AudioIO", package: "asr"),
                .product(name: "Decoding", package: "asr"),
                .product(name: "ASRKit", package: "asr"),
            ]
        ),
    ]
)
