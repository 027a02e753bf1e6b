// ASRKit is the toolkit layer: `import ASRKit` brings the stages' public API with
// it, so the command-line tool (and an application) imports one module. The
// stages stay separate products for those who want only one of them.
@_exported import ASRCore
@_exported import ASRText
@_exported import AudioIO
@_exported import CTC
@_exported import Decoding
@_exported import Distributed
@_exported import Features
@_exported import LinearAlgebra
@_exported import NN
@_exported import Plot
