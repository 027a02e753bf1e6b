import ArgumentParser
import ASRKit
import Foundation

/// `asr report`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about an experiment: training curves, evaluation, posteriorgrams, model.",
        discussion: """
        Reads EXP_DIR/train.jsonl, model.json, recipe.json and the evaluation summary that
        `asr eval --report EXP_DIR/eval.txt` writes (EXP_DIR/eval.json). Inline SVG, no scripts:
        it opens offline in any browser.
        Example: asr report exp/digits --out exp/digits/report.html
        """)

    @Argument(help: "Experiment folder.") var experiment: String = "exp/latest"
    @Option(help: "Output HTML file (default EXP_DIR/report.html).") var out: String?
    @Option(help: "Evaluation summary JSON (default EXP_DIR/eval.json when it exists).") var eval: String?
    @Option(help: "Manifest to draw posteriorgrams from (default: the evaluated one, else the recipe's test or dev set).") var manifest: String?
    @Option(parsing: .unconditional, help: "Number of utterances to draw as posteriorgrams.") var examples: Int = 3
    @Option(parsing: .unconditional, help: "Threads (0 = all cores).") var threads: Int = 0

    func validate() throws {
        if examples < 0 { throw ValidationError("--examples must be ≥ 0, got \(examples)") }
    }

    func run() throws {
        if threads > 0 { Parallelism.maxThreads = threads }
        var report = ExperimentReport(directory: experiment)
        report.evalPath = eval
        report.manifest = manifest
        report.examples = examples
        let html = try report.html()
        let path = out ?? (experiment as NSString).appendingPathComponent("report.html")
        try AtomicFile.write(html, to: path)
        print("report: \(path) (\(html.utf8.count / 1024) KiB)")
    }
}
