#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LakeCodecs
import LakeColumnar

/// Local CSV files, plain or compressed (`.csv.gz`, `.csv.zst`), read and written as streams.
public enum CSVFile {
    /// The compression a path implies: by extension, else by the file's magic bytes when reading.
    public static func codec(forPath path: String) -> CompressionCodec {
        CompressionCodec.forFileName(path)
    }

    /// Streams the file at `path` through a ``CSVReader``, calling `emit` per batch (see
    /// ``CSVFileReader``). Returns the reader (for ``CSVReader/badRows`` and the counts).
    @discardableResult
    public static func read(path: String, schema: Schema, options: CSVReadOptions = CSVReadOptions(),
                            emit: (ColumnBatch) throws -> Void) throws -> CSVReader {
        let file = try CSVFileReader(path: path, schema: schema, options: options)
        while let batch = try file.next() { try emit(batch) }
        return file.reader
    }

    /// Reads a whole (small) file into one batch.
    public static func readAll(path: String, schema: Schema, options: CSVReadOptions = CSVReadOptions()) throws -> ColumnBatch {
        var batches: [ColumnBatch] = []
        try read(path: path, schema: schema, options: options) { batches.append($0) }
        return try ColumnBatch.concat(batches, schema: schema)
    }

    /// Writes batches to a local CSV file, compressed when the path ends in `.gz`/`.zst`. The
    /// file appears under a temporary name and is renamed into place by ``close()``.
    public final class Writer {
        public let path: String
        private let writer: CSVWriter
        private let compressor: StreamCompressor
        private let file: UnsafeMutablePointer<FILE>
        private let temporaryPath: String
        private var text: [UInt8] = []
        private var compressed: [UInt8] = []
        private var closed = false

        public init(path: String, schema: Schema, dialect: CSVDialect = .dms, compression: CompressionCodec? = nil) throws {
            self.path = path
            writer = try CSVWriter(schema: schema, dialect: dialect)
            let codec = compression ?? CSVFile.codec(forPath: path)
            guard codec != .snappy else { throw CSVError.io(file: path, message: "CSV files can be compressed with gzip or zstd, not snappy") }
            compressor = try StreamCompressor(codec)
            temporaryPath = path + ".tmp-\(getpid())"
            guard let file = fopen(temporaryPath, "wb") else {
                throw CSVError.io(file: path, message: "cannot create: \(String(cString: strerror(errno)))")
            }
            self.file = file
            if dialect.header { writer.writeHeader(into: &text) }
        }

        deinit {
            if !closed {
                fclose(file)
                unlink(temporaryPath)
            }
        }

        public func write(_ batch: ColumnBatch) throws {
            try writer.write(batch, into: &text)
            if text.count >= 1 << 20 { try flush() }
        }

        private func flush() throws {
            compressed.removeAll(keepingCapacity: true)
            try compressor.compress(text, into: &compressed)
            text.removeAll(keepingCapacity: true)
            try put(compressed)
        }

        private func put(_ bytes: [UInt8]) throws {
            guard !bytes.isEmpty else { return }
            let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard written == bytes.count else { throw CSVError.io(file: path, message: "write failed: \(String(cString: strerror(errno)))") }
        }

        /// Flushes, ends the compressed stream and moves the file into place.
        public func close() throws {
            guard !closed else { return }
            try flush()
            compressed.removeAll(keepingCapacity: true)
            try compressor.finish(into: &compressed)
            try put(compressed)
            closed = true
            guard fclose(file) == 0, rename(temporaryPath, path) == 0 else {
                unlink(temporaryPath)
                throw CSVError.io(file: path, message: "cannot finish writing: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Pulls batches from a local CSV file: reads 1 MiB at a time, decompressing gzip/zstd (detected
/// by extension or magic bytes) on the way; memory stays bounded by a few batches (one per
/// parsing thread) plus the buffers.
public final class CSVFileReader {
    public let path: String
    public let reader: CSVReader
    private let file: UnsafeMutablePointer<FILE>
    private let chunkSize = 1 << 20
    private var chunk: [UInt8]
    private var decoder: StreamDecompressor?
    private var decoded: [UInt8] = []
    private var first = true
    private var ended = false
    private var ready: [ColumnBatch] = []
    private var readyIndex = 0

    public init(path: String, schema: Schema, options: CSVReadOptions = CSVReadOptions()) throws {
        guard let file = fopen(path, "rb") else {
            throw CSVError.io(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
        chunk = [UInt8](repeating: 0, count: chunkSize)
        do { reader = try CSVReader(schema: schema, options: options, source: path) } catch {
            fclose(file)
            throw error
        }
    }

    deinit { fclose(file) }

    public var schema: Schema { reader.schema }

    /// The next batch, or nil at the end of the file.
    public func next() throws -> ColumnBatch? {
        while readyIndex == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            if ended { return nil }
            try step()
        }
        readyIndex += 1
        return ready[readyIndex - 1]
    }

    /// Makes progress: decodes one piece of pending compressed input, or reads the next chunk.
    /// Each call feeds the CSV parser at most one chunk, so batches queued at once stay bounded
    /// even for highly compressed input.
    private func step() throws {
        if let decoder, !decoder.needsInput || decoderMayHoldOutput {
            decoded.removeAll(keepingCapacity: true)
            let produced: Int
            do { produced = try decoder.read(into: &decoded, maxBytes: chunkSize) } catch {
                throw CSVError.io(file: path, message: "\(error)")
            }
            decoderMayHoldOutput = produced == chunkSize
            if produced > 0 {
                try decoded.withUnsafeBytes { try reader.feed($0) { ready.append($0) } }
                return
            }
        }
        if !first, decoder == nil {
            // Plain text: read straight into the parser's buffer.
            let file = self.file
            let n = try reader.feed(readingUpTo: chunkSize, from: { fread($0.baseAddress, 1, $0.count, file) }) { ready.append($0) }
            if n == 0 { try end() }
            return
        }
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkSize, file) }
        if n == 0 {
            try end()
            return
        }
        if first {
            first = false
            var codec = CSVFile.codec(forPath: path)
            if codec == .none, let sniffed = CompressionCodec.sniff(chunk.prefix(n)) { codec = sniffed }
            if codec == .gzip || codec == .zstd || codec == .zlib { decoder = try StreamDecompressor(codec) }
        }
        try chunk.withUnsafeBytes { raw in
            let piece = UnsafeRawBufferPointer(rebasing: raw[0..<n])
            if let decoder {
                decoder.feed(piece)
                decoderMayHoldOutput = true
            } else {
                try reader.feed(piece) { ready.append($0) }
            }
        }
    }
    private var decoderMayHoldOutput = false

    /// The input ended: checks for a read error, ends the decompressor and the parser.
    private func end() throws {
        if ferror(file) != 0 { throw CSVError.io(file: path, message: "read failed: \(String(cString: strerror(errno)))") }
        ended = true
        if let decoder {
            do { try decoder.finish() } catch { throw CSVError.io(file: path, message: "\(error)") }
        }
        try reader.finish { ready.append($0) }
    }
}
