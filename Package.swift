// swift-tools-version:6.0
// asr — speech recognition toolkit: audio → features → BiLSTM → CTC, on a CPU.
import PackageDescription

/// Hot numerical targets are optimized even in debug builds: SIMD code is
/// ~600× slower at -Onone, which would make the test suite crawl. Dynamic
/// exclusivity checks are off in them (they cost a third of beam search time).
let optimized: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "asr",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "asr", targets: ["asr"]),
        .library(name: "ASRCore", targets: ["ASRCore"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "Features", targets: ["Features"]),
        .library(name: "CTC", targets: ["CTC"]),
        .library(name: "Decoding", targets: ["Decoding"]),
        .library(name: "ASRText", targets: ["ASRText"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Plot", targets: ["Plot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries (each wrapped once; only its own Swift target imports it)
        .systemLibrary(
            name: "CSndFile", path: "Sources/CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CSampleRate", path: "Sources/CSampleRate", pkgConfig: "samplerate",
            providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(
            name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // Per-thread floating-point mode (flush denormals to zero), a few lines of C.
        .target(name: "CFloatEnv"),

        // Fused LSTM gate kernels for three x86-64 instruction-set levels, chosen at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),

        // MARK: Core
        .target(name: "ASRCore", dependencies: ["COpenBLAS", "CFloatEnv"], exclude: ["README.md"], swiftSettings: optimized),

        // MARK: Pipeline stages
        .target(name: "NN", dependencies: ["ASRCore", "CKernels"], exclude: ["README.md"], swiftSettings: optimized),
        .target(name: "AudioIO", dependencies: ["ASRCore", "CSndFile", "CSampleRate"], exclude: ["README.md"]),
        .target(name: "Features", dependencies: ["ASRCore", "CFFTW"], exclude: ["README.md"], swiftSettings: optimized),

        .target(name: "CTC", dependencies: ["ASRCore"], exclude: ["README.md"], swiftSettings: optimized),

        .target(name: "Decoding", dependencies: ["ASRCore"], exclude: ["README.md"], swiftSettings: optimized),

        .target(name: "ASRText", dependencies: ["ASRCore"], exclude: ["README.md"], swiftSettings: optimized),

        // SVG charts for reports (no dependencies).
        .target(name: "Plot", exclude: ["README.md"]),

        // MARK: Toolkit (recipes, training, transcription, evaluation)
        .target(
            name: "ASRKit",
            dependencies: ["ASRCore", "AudioIO", "Features", "NN", "CTC", "Decoding", "ASRText", "Plot"],
            exclude: ["README.md"], swiftSettings: optimized),

        // MARK: Command-line tool (thin)
        .executableTarget(
            name: "asr",
            dependencies: [
                "ASRCore", "AudioIO", "Features", "Decoding", "ASRText", "ASRKit", "NN", "Plot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Benchmarks (driven by scripts/bench; not shipped)
        .executableTarget(name: "asr-bench", dependencies: ["ASRCore", "ASRKit", "ASRText", "AudioIO", "CKernels", "Features", "CTC", "Decoding", "NN"]),

        // MARK: Tests
        .target(name: "_TestSupport", dependencies: ["ASRCore"], path: "Sources/_TestSupport"),
        .testTarget(name: "ASRCoreTests", dependencies: ["ASRCore", "_TestSupport"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "ASRCore", "_TestSupport"]),
        .testTarget(
            name: "FeaturesTests", dependencies: ["Features", "AudioIO", "ASRCore", "_TestSupport"],
            exclude: ["Fixtures"], swiftSettings: optimized),
        .testTarget(name: "CTCTests", dependencies: ["CTC", "ASRCore", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "CTC", "ASRCore", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "ASRCore", "_TestSupport"], exclude: ["Fixtures"], swiftSettings: optimized),
        .testTarget(name: "ASRKitTests", dependencies: ["ASRKit", "ASRText", "ASRCore", "Decoding", "Features", "AudioIO", "NN", "_TestSupport"]),
        .testTarget(name: "ASRTextTests", dependencies: ["ASRText", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        .testTarget(name: "CLITests", dependencies: ["asr", "ASRCore", "_TestSupport"]),
    ]
)
