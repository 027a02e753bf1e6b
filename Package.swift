// swift-tools-version:6.0
// asr — speech recognition toolkit: audio → features → BiLSTM → CTC, on a CPU.
import PackageDescription

// No unsafeFlags anywhere: SwiftPM refuses a package that has them as a versioned
// dependency of another package. Optimisation comes from the build command instead:
// `swift build -c release`, and `make test` passes `-O` to Swift and `-O2` to C
// (SIMD code is ~600× slower at -Onone; see the Makefile).

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
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "Distributed", targets: ["Distributed"]),
        .library(name: "ASRKit", targets: ["ASRKit"]),
        .library(name: "ASRServer", targets: ["ASRServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.2.0"),
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

        // The vectorised kernels (LSTM and GRU gates, exp/sigmoid/tanh/Σexp over arrays) for
        // three x86-64 instruction-set levels, chosen at run time; one source of the polynomials.
        .target(name: "CKernels"),

        // Open MPI through dlopen, for the macros Swift cannot import (MPI_COMM_WORLD, MPI_SUM, …)
        // and so that asr needs no MPI unless mpirun starts it.
        .target(name: "CMPIShim"),

        // MARK: Core
        .target(name: "ASRCore", dependencies: ["CKernels", "CFloatEnv"], exclude: ["README.md"]),

        // MARK: Linear algebra (GEMM through OpenBLAS; only the targets that multiply matrices import it)
        .target(name: "LinearAlgebra", dependencies: ["ASRCore", "COpenBLAS"], exclude: ["README.md"]),

        // MARK: Pipeline stages
        .target(name: "NN", dependencies: ["ASRCore", "LinearAlgebra", "CKernels"], exclude: ["README.md"]),
        .target(name: "AudioIO", dependencies: ["ASRCore", "CSndFile", "CSampleRate"], exclude: ["README.md"]),
        .target(name: "Features", dependencies: ["ASRCore", "CFFTW"], exclude: ["README.md"]),

        .target(name: "CTC", dependencies: ["ASRCore", "CKernels"], exclude: ["README.md"]),

        .target(name: "Decoding", dependencies: ["ASRCore"], exclude: ["README.md"]),

        .target(name: "ASRText", dependencies: ["ASRCore"], exclude: ["README.md"]),

        // The processes of a data-parallel job (one, or Open MPI's world) and their sums.
        .target(name: "Distributed", dependencies: ["CMPIShim"], exclude: ["README.md"]),

        // SVG charts for reports (no dependencies).
        .target(name: "Plot", exclude: ["README.md"]),

        // MARK: Toolkit (recipes, training, transcription, evaluation)
        .target(
            name: "ASRKit",
            dependencies: ["ASRCore", "LinearAlgebra", "AudioIO", "Features", "NN", "CTC", "Decoding", "ASRText", "Plot", "Distributed"],
            exclude: ["README.md"]),

        // MARK: Server (asr serve): HTTP and WebSocket on Hummingbird; the only target that knows them
        .target(
            name: "ASRServer",
            dependencies: ["ASRKit",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["README.md"]),

        // MARK: Command-line tool (thin)
        .executableTarget(
            name: "asr",
            dependencies: ["ASRKit", "ASRServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: Benchmarks (driven by scripts/bench; not shipped)
        .executableTarget(name: "asr-bench", dependencies: ["ASRCore", "ASRKit", "ASRText", "AudioIO", "Features", "CTC", "Decoding", "LinearAlgebra", "NN"]),

        // MARK: Tests
        .target(name: "_TestSupport", dependencies: ["ASRCore"], path: "Sources/_TestSupport"),
        .testTarget(name: "ASRCoreTests", dependencies: ["ASRCore", "_TestSupport"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "ASRCore"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "ASRCore", "_TestSupport"]),
        .testTarget(
            name: "FeaturesTests", dependencies: ["Features", "AudioIO", "ASRCore", "_TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "CTCTests", dependencies: ["CTC", "ASRCore", "CKernels", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "CTC", "ASRCore", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "ASRCore", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ASRKitTests", dependencies: ["ASRKit", "ASRText", "ASRCore", "Decoding", "Features", "AudioIO", "NN", "_TestSupport"]),
        .testTarget(name: "ASRTextTests", dependencies: ["ASRText", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        .testTarget(name: "CLITests", dependencies: ["asr", "ASRCore", "_TestSupport"]),
        // The server end to end: `asr serve` started as a process, a real HTTP and WebSocket client on loopback.
        .testTarget(
            name: "ServerTests",
            dependencies: ["asr", "ASRCore", "AudioIO", "_TestSupport",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                           .product(name: "Logging", package: "swift-log")]),
    ]
)
