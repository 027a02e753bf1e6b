import ASRCore
import ASRText
import AudioIO
import Decoding
import Foundation
import Plot

/// The posteriorgram of one decoded utterance (shared by the report and `asr transcribe --plot`).
public func posteriorgram(title: String, logProbs: Matrix, transcript: Transcript, samples: [Float], bundle: ModelBundle) -> Posteriorgram {
    Posteriorgram(title: title, probabilities: logProbs.storage.map { expf($0) }, frames: logProbs.rows,
                  tokens: bundle.info.tokens, secondsPerFrame: bundle.info.frameSeconds,
                  waveform: samples, sampleRate: bundle.info.sampleRate,
                  words: transcript.words.map { ($0.text, $0.start, $0.end) })
}

/// One self-contained HTML page about an experiment folder: training curves,
/// the latest evaluation, posteriorgrams of a few utterances, the model and recipe.
/// Inline SVG and CSS only: nothing is fetched, no scripts.
public struct ExperimentReport {
    public var directory: String
    /// Evaluation summary (`asr eval --report X.txt` writes X.json); default `<dir>/eval.json`.
    public var evalPath: String?
    /// Manifest to draw posteriorgrams from; default the evaluated one, else the recipe's test/dev set.
    public var manifest: String?
    /// Utterances to draw.
    public var examples = 3

    public init(directory: String) { self.directory = directory }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// `train.jsonl`, one epoch per line.
    public static func loadHistory(_ path: String) throws -> [EpochLog] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError.notFound(path: path, hint: "the training log `asr train` writes beside the model")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw FileError.cannotRead(path: path, reason: "\(error.localizedDescription)")
        }
        let dec = ModelBundle.decoder()
        var out: [EpochLog] = []
        for (i, line) in TextLines.split(text).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do { out.append(try dec.decode(EpochLog.self, from: Data(line.utf8))) } catch {
                throw FileError.malformedLine(path: path, line: i + 1, reason: "expected one JSON epoch record (epoch, train_loss, …): \(error)")
            }
        }
        return out
    }

    public func html() throws -> String {
        let bundle = try ModelBundle.load(directory)
        let history = try Self.loadHistory(path("train.jsonl"))
        let evalFile = evalPath ?? path("eval.json")
        var evaluation: EvaluationFile?
        if FileManager.default.fileExists(atPath: evalFile) {
            evaluation = try EvaluationFile.load(evalFile)
        } else if evalPath != nil {
            throw FileError.notFound(path: evalFile, hint: "write one with `asr eval --manifest TEST.jsonl --report \(path("eval.txt"))`")
        }
        let summary = evaluation?.summary
        // recipe.json is optional (a model copied without it); a present but unreadable one is an error.
        let recipeFile = path("recipe.json")
        var recipeText = "", recipe: Recipe?
        if FileManager.default.fileExists(atPath: recipeFile) {
            do {
                recipeText = try String(contentsOfFile: recipeFile, encoding: .utf8)
                recipe = try ModelBundle.decodeRecipe(Data(recipeText.utf8))
            } catch {
                throw FileError.malformed(path: recipeFile, reason: "expected the recipe `asr train` writes beside the model: \(error)")
            }
        }

        var h = HTMLPage(title: "asr report: \(bundle.info.name)")
        h.heading(1, "\(bundle.info.name): training and evaluation report")
        h.paragraph("Experiment \(directory) · model from epoch \(bundle.info.epoch) · generated \(Self.dateString())", cls: "sub")
        h.raw(cards(bundle: bundle, history: history, evaluation: evaluation))

        h.heading(2, "Training")
        h.raw(trainingCharts(history))

        h.heading(2, "Evaluation")
        if let summary { h.raw(evaluationSection(summary, byChar: bundle.tokens.space == nil)) } else {
            h.paragraph("No evaluation yet: run `asr eval --model \(directory) --manifest TEST.jsonl --report \(path("eval.txt"))`, then `asr report` again.")
        }

        h.heading(2, "What the model outputs")
        h.raw(try posteriorgrams(bundle: bundle, summary: summary, recipe: recipe))

        h.heading(2, "Model and recipe")
        h.raw(modelTable(bundle: bundle, history: history, recipe: recipe))
        if !recipeText.isEmpty {
            h.raw("<details><summary>recipe.json</summary><pre>" + SVGWriter.escape(recipeText) + "</pre></details>")
        }
        return h.finish()
    }

    static func dateString() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date())
    }

    static func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }

    static func duration(_ s: Double) -> String {
        s >= 3600 ? String(format: "%d h %02d min", Int(s) / 3600, Int(s) % 3600 / 60)
            : s >= 60 ? String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60) : String(format: "%.1f s", s)
    }

    func cards(bundle: ModelBundle, history: [EpochLog], evaluation: EvaluationFile?) -> String {
        var items: [(String, String, String)] = []
        let unit = bundle.tokens.space == nil ? "CER" : "WER"
        if let e = evaluation {
            let s = e.summary
            items.append(("test \(unit)", Self.pct(unit == "CER" ? s.cer : s.wer), "\(s.utterances) utterances"))
            // How it was decoded, as eval.json records it (files from before it did show none).
            items.append(("test \(unit == "CER" ? "WER" : "CER")", Self.pct(unit == "CER" ? s.wer : s.cer), e.decodingSummary ?? ""))
        }
        items.append(("validation \(unit)", Self.pct(unit == "CER" ? bundle.info.devCer : bundle.info.devWer), "best epoch \(bundle.info.epoch)"))
        items.append(("parameters", String(format: "%.2f M", Double(bundle.info.parameters) / 1e6),
                      "\(bundle.info.model.numLayers)×\(bundle.info.model.bidirectional ? "Bi" : "")\(bundle.info.model.cell.rawValue.uppercased()) H=\(bundle.info.model.hiddenSize)"))
        items.append(("training time", Self.duration(history.reduce(0) { $0 + $1.seconds }), "\(history.count) epochs"))
        var s = "<div class=\"cards\">"
        for (k, v, note) in items {
            s += "<div class=\"card\"><div class=\"k\">\(SVGWriter.escape(k))</div><div class=\"v\">\(SVGWriter.escape(v))</div><div class=\"n\">\(SVGWriter.escape(note))</div></div>"
        }
        return s + "</div>"
    }

    func trainingCharts(_ history: [EpochLog]) -> String {
        guard !history.isEmpty else { return "<p>train.jsonl has no epochs yet.</p>" }
        let best = history.last { $0.best }?.epoch
        let marker = best.map { (x: Double($0), label: "best epoch \($0)") }
        func pts(_ f: (EpochLog) -> Double?) -> [(x: Double, y: Double)] { history.compactMap { e in f(e).map { (Double(e.epoch), $0) } } }
        var loss = LineChart(title: "CTC loss per utterance", xLabel: "epoch", yLabel: "loss (nats, log scale)",
                             series: [.init("training", pts { $0.trainLoss })] + (history.contains { $0.devLoss != nil } ? [.init("validation", pts { $0.devLoss }, dashed: true)] : []))
        loss.logY = true
        loss.marker = marker
        var err = LineChart(title: "Validation error rates", xLabel: "epoch", yLabel: "error rate (%)",
                            series: [.init("WER", pts { $0.devWer.map { $0 * 100 } }), .init("CER", pts { $0.devCer.map { $0 * 100 } }, dashed: true)]
                                .filter { !$0.points.isEmpty })
        err.yFromZero = true
        err.marker = marker
        var lr = LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate (log scale)", series: [.init("learning rate", pts { $0.learningRate })])
        lr.logY = true
        lr.marker = marker
        var speed = LineChart(title: "Training speed", xLabel: "epoch", yLabel: "utterances per second",
                              series: [.init("utterances/s", pts { $0.utterancesPerSecond })])
        speed.yFromZero = true
        var s = "<div class=\"grid\">"
        for c in [loss.svg(), err.series.isEmpty ? nil : err.svg(), lr.svg(), speed.svg()].compactMap({ $0 }) { s += "<figure>" + c + "</figure>" }
        return s + "</div>"
    }

    func evaluationSection(_ e: Scorer.Summary, byChar: Bool) -> String {
        var s = "<p class=\"mono\">" + SVGWriter.escape(e.title ?? "evaluation") + "</p>"
        func rate(_ n: Int, _ c: ErrorCounts) -> Double { 100 * Double(n) / Double(max(c.hits + c.substitutions + c.deletions, 1)) }
        func row(_ label: String, _ c: ErrorCounts) -> (label: String, segments: [StackedBarChart.Segment]) {
            (label, [.init("substitutions", rate(c.substitutions, c), color: Palette.substitution),
                     .init("deletions", rate(c.deletions, c), color: Palette.deletion),
                     .init("insertions", rate(c.insertions, c), color: Palette.insertion)])
        }
        var bar = StackedBarChart(title: "Errors by type (% of reference units)", valueLabel: "error rate (%)",
                                  rows: [row("words", e.words), row("characters", e.chars)])
        bar.format = { String(format: $0 < 10 ? "%.2g%%" : "%.0f%%", $0) }
        s += "<div class=\"grid\"><figure>" + bar.svg() + "</figure>"
        let confusions = (byChar ? e.topCharConfusions : e.topWordConfusions) ?? e.topWordConfusions
        s += "<div><h3>Most frequent \(byChar ? "character" : "word") errors</h3>"
        if confusions.isEmpty { s += "<p>none</p>" } else {
            s += "<table class=\"conf\"><tr><th>reference → hypothesis</th><th>count</th></tr>"
            for c in confusions.prefix(12) where c.count == 2 {
                s += "<tr><td>\(SVGWriter.escape(c[0]))</td><td class=\"num\">\(SVGWriter.escape(c[1]))</td></tr>"
            }
            s += "</table><p class=\"note\">*** = nothing (a deletion or an insertion).</p>"
        }
        s += "</div></div>"
        // Worst, median and best utterances by error rate.
        func errRate(_ u: ScoredUtterance) -> Double {
            byChar ? Double(u.charErrors) / Double(max(u.referenceChars, 1)) : Double(u.wordErrors) / Double(max(u.referenceWords, 1))
        }
        let sorted = e.perUtterance.enumerated().sorted { (errRate($0.element), $0.offset) > (errRate($1.element), $1.offset) }.map(\.element)
        var picks: [(String, ScoredUtterance)] = []
        for (i, u) in sorted.prefix(3).enumerated() { picks.append(("worst \(i + 1)", u)) }
        if sorted.count > 4 { picks.append(("median", sorted[sorted.count / 2])) }
        if sorted.count > 3, let b = sorted.last { picks.append(("best", b)) }
        s += "<h3>Worst, median and best utterances</h3><div class=\"examples\">"
        for (label, u) in picks {
            let ref = byChar ? characters(u.reference) : words(u.reference)
            let hyp = byChar ? characters(u.hypothesis) : words(u.hypothesis)
            let a = align(ref, hyp)
            s += "<div class=\"example\"><div class=\"ex-head\"><b>\(label)</b> · \(SVGWriter.escape(u.id)) · "
                + String(format: "%.1f%% ", errRate(u) * 100) + (byChar ? "CER" : "WER") + " (\(a.substitutions) S, \(a.deletions) D, \(a.insertions) I)</div>"
            s += Self.alignmentHTML(ref: ref, hyp: hyp, alignment: a) + "</div>"
        }
        return s + "</div><p class=\"note\">Each column is one aligned pair: reference above, hypothesis below; "
            + "<span class=\"op-s\">substitution</span>, <span class=\"op-d\">deletion</span>, <span class=\"op-i\">insertion</span>.</p>"
    }

    /// An alignment as wrapping columns (reference over hypothesis), coloured by operation.
    public static func alignmentHTML(ref: [String], hyp: [String], alignment a: Alignment) -> String {
        func show(_ u: String) -> String { u == " " ? "␣" : SVGWriter.escape(u) }
        var s = "<div class=\"align\"><span class=\"pair lbl\"><span>REF</span><span>HYP</span></span>"
        for step in a.steps {
            let cls: String
            switch step.op {
            case .match: cls = "op-c"
            case .substitution: cls = "op-s"
            case .deletion: cls = "op-d"
            case .insertion: cls = "op-i"
            }
            s += "<span class=\"pair \(cls)\"><span>\(step.ref.map { show(ref[$0]) } ?? "***")</span><span>\(step.hyp.map { show(hyp[$0]) } ?? "***")</span></span>"
        }
        return s + "</div>"
    }

    func posteriorgrams(bundle: ModelBundle, summary: Scorer.Summary?, recipe: Recipe?) throws -> String {
        guard examples > 0 else { return "" }
        let candidates = [manifest, summary?.source, recipe?.data.test, recipe?.data.dev].compactMap { $0 }.filter { !$0.isEmpty }
        guard let source = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            if let m = manifest { throw FileError.notFound(path: m, hint: "the manifest to draw posteriorgrams from") }
            return "<p>No test or validation manifest found (\(SVGWriter.escape(candidates.joined(separator: ", ")))), so no posteriorgrams; pass --manifest.</p>"
        }
        let utts = try DataSet.load(source, normalize: bundle.info.normalize, field: bundle.info.textField)
        // The worst, median and best evaluated utterances when the eval covered this manifest, else the first ones.
        var chosen: [Utterance] = []
        if let s = summary, s.source == source {
            let byID = Dictionary(utts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let byChar = bundle.tokens.space == nil
            let ranked = s.perUtterance.sorted {
                let a = byChar ? Double($0.charErrors) / Double(max($0.referenceChars, 1)) : Double($0.wordErrors) / Double(max($0.referenceWords, 1))
                let b = byChar ? Double($1.charErrors) / Double(max($1.referenceChars, 1)) : Double($1.wordErrors) / Double(max($1.referenceWords, 1))
                return a > b
            }
            let idx = [0, ranked.count / 2, ranked.count - 1, 1, ranked.count / 4]
            for i in idx where i >= 0 && i < ranked.count {
                if let u = byID[ranked[i].id], !chosen.contains(where: { $0.id == u.id }) { chosen.append(u) }
                if chosen.count == examples { break }
            }
        }
        for u in utts where chosen.count < examples && !chosen.contains(where: { $0.id == u.id }) { chosen.append(u) }
        let transcriber = Transcriber(bundle: bundle, decoding: DecodingConfig(), resources: DecodingResources())  // greedy: the posteriorgrams show the model itself
        var s = "<p>Greedy decoding of \(chosen.count) utterance\(chosen.count == 1 ? "" : "s") from \(SVGWriter.escape(source)). "
            + "Rows are tokens (∅ = CTC blank, ␣ = space), columns are output frames; the red line is the most probable token per frame. "
            + "A token is emitted where the path enters its row; a blank between two equal tokens keeps both.</p>"
        for u in chosen {
            do {
                let audio = try AudioFile.read(u.audioPath, sampleRate: bundle.info.sampleRate, segment: u.segment)
                let (t, lp) = transcriber.transcribe(samples: audio.samples)
                let p = posteriorgram(title: "\(u.id) · REF “\(u.text)” · HYP “\(t.text)”", logProbs: lp, transcript: t,
                                      samples: audio.samples, bundle: bundle)
                s += "<figure class=\"wide\">" + p.svg() + "</figure>"
            } catch {
                s += "<p>\(SVGWriter.escape(u.origin)): \(SVGWriter.escape("\(error)"))</p>"
            }
        }
        return s
    }

    func modelTable(bundle: ModelBundle, history: [EpochLog], recipe: Recipe?) -> String {
        let i = bundle.info, f = i.features
        let feat: String
        switch f.type {
        case .fbank: feat = "log-mel filterbank, \(f.fbank.mel.numBins) bins, \(num(Double(f.fbank.frame.frameLengthMs))) ms window / \(num(Double(f.fbank.frame.frameShiftMs))) ms shift"
        case .mfcc: feat = "MFCC, \(f.mfcc.numCeps) coefficients, \(f.mfcc.mel.numBins) mel bins"
        }
        var rows: [(String, String)] = [
            ("acoustic model", "\(i.model.numLayers) × \(i.model.bidirectional ? "bidirectional " : "")\(i.model.cell.rawValue.uppercased()), \(i.model.hiddenSize) units per direction, dropout \(num(Double(i.model.dropout), 2))"),
            ("parameters", "\(i.parameters)"),
            ("input", "\(feat)\(f.deltaOrder > 0 ? ", Δ order \(f.deltaOrder)" : ""); CMVN \(f.cmvn.rawValue); \(i.inputSize) dims × \(i.model.frameStacking) frames stacked"),
            ("output", "\(i.tokens.count) tokens (blank included), one frame per \(num(i.frameSeconds * 1000)) ms"),
            ("tokens", i.tokens.dropFirst().map { $0 == " " ? "␣" : $0 }.prefix(80).joined(separator: " ") + (i.tokens.count > 81 ? " …" : "")),
            ("training", "\(history.count) epochs, \(history.last?.step ?? 0) steps, \(Self.duration(history.reduce(0) { $0 + $1.seconds })); best epoch \(i.epoch) (validation WER \(Self.pct(i.devWer)), CER \(Self.pct(i.devCer)))"),
        ]
        if let r = recipe {
            rows.append(("data", "train \(r.data.train) · validation \(r.data.dev.isEmpty ? "–" : r.data.dev) · test \(r.data.test.isEmpty ? "–" : r.data.test)"))
            rows.append(("optimizer", "\(r.train.optimizer.kind.rawValue), learning rate \(tickLabel(Double(r.train.optimizer.learningRate))), batch \(r.train.batchSize)"))
        }
        var s = "<table class=\"kv\">"
        for (k, v) in rows { s += "<tr><th>\(SVGWriter.escape(k))</th><td>\(SVGWriter.escape(v))</td></tr>" }
        return s + "</table>"
    }
}

/// A minimal HTML page with the report's stylesheet.
struct HTMLPage {
    var body = ""
    let title: String

    init(title: String) { self.title = title }

    mutating func heading(_ level: Int, _ text: String) { body += "<h\(level)>\(SVGWriter.escape(text))</h\(level)>\n" }
    mutating func paragraph(_ text: String, cls: String? = nil) {
        body += "<p\(cls.map { " class=\"\($0)\"" } ?? "")>\(SVGWriter.escape(text))</p>\n"
    }
    mutating func raw(_ html: String) { body += html + "\n" }

    func finish() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(SVGWriter.escape(title))</title>
        <style>
        body{margin:0;background:#fff;color:#222;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif}
        main{max-width:1180px;margin:0 auto;padding:16px 24px 48px;box-sizing:border-box}
        h1{font-size:26px;margin:8px 0 2px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:16px;margin:12px 0 6px}
        .sub,.note{color:#666;font-size:13px}.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px;overflow-wrap:anywhere}
        .cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{flex:1 1 150px;border:1px solid #ddd;border-radius:8px;padding:10px 14px}
        .card .k{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:24px;font-weight:600}.card .n{font-size:12px;color:#666}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px}
        figure{margin:0}svg{width:100%;height:auto;display:block;font-family:inherit}figure.wide{margin:12px 0 20px}
        table{border-collapse:collapse;font-size:14px}th,td{text-align:left;padding:3px 10px;border-bottom:1px solid #eee;vertical-align:top}
        td.num{text-align:right;font-variant-numeric:tabular-nums}table.kv th{color:#555;font-weight:600;white-space:nowrap}table.kv td{overflow-wrap:anywhere}
        .example{margin:10px 0;padding:8px 10px;border:1px solid #eee;border-radius:6px}.ex-head{font-size:13px;color:#444;margin-bottom:4px}
        .align{display:flex;flex-wrap:wrap;gap:2px 4px}.pair{display:inline-flex;flex-direction:column;align-items:center;padding:1px 4px;border-radius:3px;font-size:14px}
        .pair.lbl{color:#999;font-size:11px;justify-content:space-around}.op-s{background:#fbe3b4}.op-d{background:#f7c7b0}.op-i{background:#c9def2}
        details{margin-top:12px}pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:12px;max-height:480px}
        </style></head>
        <body><main>
        \(body)</main></body></html>

        """
    }
}
