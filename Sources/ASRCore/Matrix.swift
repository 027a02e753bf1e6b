/// A dense row-major matrix of `Float` over contiguous storage.
///
/// Layout: element `(r, c)` lives at `storage[r * cols + c]`. Features are
/// `[T, D]` (one row per frame); the neural-network code uses the same type
/// for `[T·B, ·]` activations and weights.
public struct Matrix: Equatable, Sendable {
    /// Number of rows (for features: frames, T).
    public private(set) var rows: Int
    /// Number of columns (for features: dimension, D).
    public private(set) var cols: Int
    /// Row-major elements, `rows * cols` of them.
    public var storage: [Float]

    /// A `rows × cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix shape must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    /// Wraps row-major `storage` of exactly `rows * cols` elements.
    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(rows >= 0 && cols >= 0 && storage.count == rows * cols,
                     "Matrix storage has \(storage.count) elements, shape \(rows)×\(cols) needs \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Builds a matrix from equally long rows.
    public init(_ rowArrays: [[Float]]) {
        let cols = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == cols }, "All rows must have the same length")
        self.init(rows: rowArrays.count, cols: cols, storage: rowArrays.flatMap { $0 })
    }

    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// A copy of row `r`.
    public func row(_ r: Int) -> [Float] {
        Array(storage[(r * cols)..<((r + 1) * cols)])
    }

    /// Rows as nested arrays (for tests and printing).
    public var rowArrays: [[Float]] { (0..<rows).map { row($0) } }

    /// Largest absolute elementwise difference to `other` (same shape required).
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        var m: Float = 0
        for i in 0..<storage.count { m = Swift.max(m, abs(storage[i] - other.storage[i])) }
        return m
    }
}
