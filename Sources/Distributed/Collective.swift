import CMPIShim
import Foundation

/// The processes of one job and the sums they share: data-parallel training
/// adds its ranks' gradients with `sum` after every step. `SingleProcess` is
/// the job of one (every call a no-op); `MPICollective` is Open MPI's
/// `MPI_COMM_WORLD` when the process was started by `mpirun`.
public protocol Collective: AnyObject, Sendable {
    /// This process, 0..<size; rank 0 writes files and prints.
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise sum over the ranks, in place (the same on every rank after).
    func sum(_ x: inout [Float]) throws
    func sum(_ x: inout [Double]) throws
    /// Rank `root`'s bytes on every rank (the buffer has the same size everywhere).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Ends the job on success (MPI_Finalize).
    func finish()
    /// Ends every rank of the job after an error on this one (MPI_Abort).
    func abort(code: Int32) -> Never
}

extension Collective {
    public var isLeader: Bool { rank == 0 }

    /// Rank 0's floats on every rank.
    public func broadcast(_ x: inout [Float], root: Int = 0) throws {
        try x.withUnsafeMutableBytes { try broadcast($0, root: root) }
    }
}

/// A job of one process.
public final class SingleProcess: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ x: inout [Float]) throws {}
    public func sum(_ x: inout [Double]) throws {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func finish() {}
    public func abort(code: Int32) -> Never { exit(code) }
}

public enum CollectiveError: Error, CustomStringConvertible, Equatable {
    /// libmpi could not be loaded (or is not Open MPI).
    case unavailable(String)
    /// An MPI call returned an error code.
    case call(String, Int32)

    public var description: String {
        switch self {
        case .unavailable(let m): return "mpirun started this process, but \(m)"
        case .call(let f, let rc): return "\(f) failed (MPI error \(rc))"
        }
    }
}

/// Open MPI's world communicator. libmpi is loaded at run time, so `asr` runs
/// without MPI installed unless it is started by `mpirun`.
public final class MPICollective: Collective, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private var finished = false

    /// Whether an MPI launcher started this process: Open MPI's `mpirun` sets
    /// OMPI_COMM_WORLD_SIZE; a PMIx launcher (`srun --mpi=pmix`) PMIX_RANK.
    public static var launchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil
    }

    /// The world communicator when started by `mpirun` (MPI initialised), else nil.
    public static func fromEnvironment() throws -> MPICollective? {
        guard launchedByMPI else { return nil }
        return try MPICollective()
    }

    /// Loads libmpi and initialises MPI.
    public init() throws {
        var message = [CChar](repeating: 0, count: 512)
        guard asr_mpi_load(&message, Int32(message.count)) == 0 else {
            throw CollectiveError.unavailable(String(cString: message))
        }
        try Self.check("MPI_Init", asr_mpi_init())
        var r: Int32 = 0, s: Int32 = 0
        try Self.check("MPI_Comm_rank", asr_mpi_rank(&r))
        try Self.check("MPI_Comm_size", asr_mpi_size(&s))
        rank = Int(r)
        size = Int(s)
    }

    static func check(_ function: String, _ rc: Int32) throws {
        guard rc == 0 else { throw CollectiveError.call(function, rc) }
    }

    public func sum(_ x: inout [Float]) throws {
        let n = x.count
        try x.withUnsafeMutableBufferPointer { try Self.check("MPI_Allreduce", asr_mpi_allreduce_float($0.baseAddress, n)) }
    }

    public func sum(_ x: inout [Double]) throws {
        let n = x.count
        try x.withUnsafeMutableBufferPointer { try Self.check("MPI_Allreduce", asr_mpi_allreduce_double($0.baseAddress, n)) }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try Self.check("MPI_Bcast", asr_mpi_bcast_bytes(buffer.baseAddress, buffer.count, Int32(root)))
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        _ = asr_mpi_finalize()
    }

    public func abort(code: Int32) -> Never {
        asr_mpi_abort(code)
        exit(code)
    }
}

extension Collective {
    /// Every rank's bytes, in rank order, on rank 0 (nil on the others): the
    /// sizes summed into one vector, then each rank's bytes broadcast from it.
    public func gather(_ bytes: Data) throws -> [Data]? {
        var sizes = [Double](repeating: 0, count: size)
        sizes[rank] = Double(bytes.count)
        try sum(&sizes)
        var out: [Data] = []
        for r in 0..<size {
            var buffer = r == rank ? [UInt8](bytes) : [UInt8](repeating: 0, count: Int(sizes[r]))
            try buffer.withUnsafeMutableBytes { try broadcast($0, root: r) }
            if isLeader { out.append(Data(buffer)) }
        }
        return isLeader ? out : nil
    }
}
