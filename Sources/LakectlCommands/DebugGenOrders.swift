import ArgumentParser
import Foundation
import LakeColumnar
import LakeParquet

/// `lakectl debug gen-orders`: generates the issue-3 benchmark table (an orders-like table)
/// deterministically in memory, writes it as Parquet and prints the write time as JSON. The peer
/// script Benchmarks/peers/parquet_write_bench.py generates identical data with numpy.
struct DebugGenOrders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-orders",
        abstract: "Generate the orders benchmark table and time writing it as Parquet.",
        shouldDisplay: false
    )

    @Option(help: "Rows to generate.") var rows: Int = 2_000_000
    @Option(help: "The Parquet file to write.") var out: String
    @Option(help: "zstd, snappy, gzip or none.") var compression: String = "zstd"
    @Option(help: "Rows per batch handed to the writer (0: one batch).") var batchRows: Int = 0

    func run() async throws {
        guard rows >= 0 else { throw ValidationError("--rows must be non-negative") }
        let batch = Self.orders(rows: rows)
        var options = WriterOptions()
        switch compression {
        case "zstd": options.compression = .zstd
        case "snappy": options.compression = .snappy
        case "gzip": options.compression = .gzip
        case "none": options.compression = .uncompressed
        default: throw ValidationError("--compression must be zstd, snappy, gzip or none")
        }
        let clock = ContinuousClock()
        let cpuStart = Self.processCPUSeconds()
        let start = clock.now
        let writer = try ParquetWriter(sink: FileSink(path: out), schema: batch.schema, options: options)
        if batchRows > 0 {
            var s = 0
            while s < rows {
                let n = min(batchRows, rows - s)
                try writer.write(Self.slice(batch, s, n))
                s += n
            }
        } else {
            try writer.write(batch)
        }
        try writer.close()
        let elapsed = clock.now - start
        let cpu = Self.processCPUSeconds() - cpuStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? -1
        print("{\"rows\": \(rows), \"write_seconds\": \(seconds), \"write_cpu_seconds\": \(cpu), \"bytes\": \(size)}")
    }

    /// CPU time of the whole process (all threads), robust against other load on the machine.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// splitmix64 of `x`: the generator's hash (numpy reproduces it with wrapping uint64 math).
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static let statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]

    /// id = i+1; customer_id = 1 + h(8i+1) % 100000; status = statuses[h(8i+2) % 6];
    /// amount = (h(8i+3) % 1000000) / 100; note = "order %010d note %08d" (i, h(8i+4) % 10^8);
    /// ts = 2024-01-01 + i seconds + h(8i+5) % 10^6 µs (UTC); day = 2024-01-01 + i / 20000 days.
    static func orders(rows: Int) -> ColumnBatch {
        var id = [Int64](), customer = [Int64](), amount = [Double](), ts = [Int64](), day = [Int32]()
        id.reserveCapacity(rows); customer.reserveCapacity(rows); amount.reserveCapacity(rows)
        ts.reserveCapacity(rows); day.reserveCapacity(rows)
        var status = VarBytes(), note = VarBytes()
        status.reserveCapacity(values: rows, bytes: rows * 8)
        note.reserveCapacity(values: rows, bytes: rows * 30)
        let base: Int64 = 1_704_067_200_000_000  // 2024-01-01T00:00:00Z in µs
        var text = [UInt8](repeating: 0, count: 30)
        let prefix = Array("order ".utf8), middle = Array(" note ".utf8)
        for i in 0..<rows {
            let k = UInt64(i) &* 8
            id.append(Int64(i) + 1)
            customer.append(1 + Int64(mix(k + 1) % 100_000))
            status.append(statuses[Int(mix(k + 2) % 6)])
            amount.append(Double(mix(k + 3) % 1_000_000) / 100)
            // "order 0000000042 note 01234567"
            for (j, b) in prefix.enumerated() { text[j] = b }
            var v = i
            for j in stride(from: 15, through: 6, by: -1) { text[j] = UInt8(48 + v % 10); v /= 10 }
            for (j, b) in middle.enumerated() { text[16 + j] = b }
            var w = Int(mix(k + 4) % 100_000_000)
            for j in stride(from: 29, through: 22, by: -1) { text[j] = UInt8(48 + w % 10); w /= 10 }
            note.append(text)
            ts.append(base + Int64(i) * 1_000_000 + Int64(mix(k + 5) % 1_000_000))
            day.append(19_723 + Int32(i / 20_000))
        }
        let schema = Schema([
            Field("id", .int64), Field("customer_id", .int64), Field("status", .string), Field("amount", .float64),
            Field("note", .string), Field("ts", .timestamp(utc: true)), Field("day", .date),
        ])
        return ColumnBatch(schema: schema, columns: [
            Column(.int64(id)), Column(.int64(customer)), Column(.bytes(status)), Column(.float64(amount)),
            Column(.bytes(note)), Column(.int64(ts)), Column(.int32(day)),
        ], rowCount: rows)
    }

    static func slice(_ batch: ColumnBatch, _ start: Int, _ count: Int) -> ColumnBatch {
        let columns = batch.columns.map { column -> Column in
            switch column.storage {
            case .int64(let v): return Column(.int64(Array(v[start..<(start + count)])))
            case .int32(let v): return Column(.int32(Array(v[start..<(start + count)])))
            case .float64(let v): return Column(.float64(Array(v[start..<(start + count)])))
            case .bytes(let v):
                var out = VarBytes()
                for i in start..<(start + count) { out.append(v[i]) }
                return Column(.bytes(out))
            default: return column
            }
        }
        return ColumnBatch(schema: batch.schema, columns: columns, rowCount: count)
    }
}
