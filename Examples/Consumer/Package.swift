// swift-tools-version:6.0
// Someone else's package that depends on asr's libraries by version, as any
// SwiftPM dependency: `.package(url:from:)`. scripts/check-consumer.sh tags a
// clone of this repository and points ASR_PACKAGE_URL at it; SwiftPM refuses a
// versioned dependency whose manifest has unsafeFlags, so this build is the proof
// that ours has none.
import Foundation
import PackageDescription

let asr = ProcessInfo.processInfo.environment["ASR_PACKAGE_URL"] ?? "https://github.com/example/asr"

let package = Package(
    name: "ToneWords",
    dependencies: [
        .package(url: asr, from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "ToneWords",
            dependencies: [
                .product(name: "ASRCore", package: "asr"),
                .product(name: "AudioIO", package: "asr"),
                .product(name: "Features", package: "asr"),
                .product(name: "NN", package: "asr"),
                .product(name: "CTC", package: "asr"),
                .product(name: "Decoding", package: "asr"),
                .product(name: "ASRText", package: "asr"),
                .product(name: "ASRKit", package: "asr"),
            ]),
    ]
)
