// A program outside the asr package that uses its libraries through their public
// API only: it writes and reads audio (AudioIO), computes Kaldi fbank (Features),
// trains a small BiLSTM with CTC (NN, CTC, ASRKit's TrainStep), decodes
// (Decoding) and scores (ASRText). Its "words" are tones: "a" is 400 Hz and "b"
// is 1,600 Hz, 0.2 s each, with 0.1 s of silence between them. It exits non-zero
// unless the model learns to transcribe tone sequences it did not train on.
import ASRCore
import ASRKit
import ASRText
import AudioIO
import CTC
import Decoding
import Features
import Foundation
import NN

let rate = 16000
let tokens = ["<blank>", "a", "b"]

func say(_ text: String) -> [Float] {
    var x = [Float](repeating: 0, count: rate / 10)
    for ch in text {
        let hz: Float = ch == "a" ? 400 : 1600
        x += (0..<(rate / 5)).map { 0.3 * sinf(2 * Float.pi * hz * Float($0) / Float(rate)) }
        x += [Float](repeating: 0, count: rate / 10)
    }
    return x
}

// Audio goes through a real file: write, read back.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tonewords-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }

var options = FeatureOptions()
options.fbank.mel.numBins = 16
options.cmvn = .utterance
let pipeline = FeaturePipeline(options)

func features(_ text: String) throws -> Matrix {
    let path = "\(folder)/\(text).wav"
    try AudioFile.write(say(text), sampleRate: rate, to: path)
    return pipeline.compute(try AudioFile.read(path, sampleRate: rate).samples)
}

let train = ["a", "b", "ab", "ba", "aa", "bb", "aab", "abb", "bab", "bba"]
let unseen = ["aba", "baa", "abab", "bbb"]
let trainFeatures = try train.map(features)
let labels = train.map { $0.map { $0 == "a" ? 1 : 2 } }

var modelOptions = ModelOptions()
modelOptions.hiddenSize = 24
modelOptions.numLayers = 1
modelOptions.dropout = 0
let model = AcousticModel(inputSize: options.dimension, outputSize: tokens.count, options: modelOptions)
var optimizerOptions = OptimizerOptions()
optimizerOptions.learningRate = 0.005
let step = TrainStep(model: model, optimizer: Optimizer(parameters: model.parameters, options: optimizerOptions),
                     vocabulary: tokens.count, clipNorm: 5)
var loss: Float = .infinity
for _ in 0..<1000 {
    guard case .updated(let l) = step(features: trainFeatures, labels: labels, learningRate: optimizerOptions.learningRate) else {
        print("training step failed"); exit(1)
    }
    loss = l
}

// Decode what it never heard, greedy and with a beam, and score.
let decoder = DecodingConfig(beam: 4).makeDecoder(tokens: tokens)
var scorer = Scorer()
for text in unseen {
    let x = try features(text)
    let batch = SequenceBatch(data: x, frames: x.rows, batch: 1, lengths: [x.rows])
    let logProbs = logSoftmaxRows(model.forward(batch, training: false).data)
    let best = decoder.decode(logProbs)[0]
    let hypothesis = best.tokens.map { tokens[$0] }.joined(separator: " ")
    scorer.add(id: text, reference: text.map(String.init).joined(separator: " "), hypothesis: hypothesis)
}
print(String(format: "final training loss %.4f", loss))
print(scorer.summaryLines.joined(separator: "\n"))
exit(scorer.words.errors == 0 ? 0 : 1)
