import LakeColumnar

/// The format of change files.
public enum ChangeFileFormat: String, Sendable, CaseIterable {
    case parquet, csv
}

/// Compression of change files (Parquet pages, or the whole CSV file).
public enum ChangeCompression: String, Sendable, CaseIterable {
    case zstd, gzip, none
}

/// Writes a batch as CSV in the AWS DMS dialect: `,` separated, `\n` rows, RFC 4180 quoting,
/// NULL as an empty unquoted field (an empty string is `""`), a header row of column names,
/// timestamps as `yyyy-MM-dd HH:mm:ss.SSSSSS`, dates `yyyy-MM-dd`, binary as lowercase hex.
enum DMSCSVEncoder {
    static func encode(_ batch: ColumnBatch) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(batch.rowCount * 64)
        for (i, f) in batch.schema.fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(Array(f.name.utf8)[...], &out, forceIfEmpty: true)
        }
        out.append(0x0A)
        let hex = Array("0123456789abcdef".utf8)
        for row in 0..<batch.rowCount {
            for (ci, column) in batch.columns.enumerated() {
                if ci > 0 { out.append(UInt8(ascii: ",")) }
                if column.isNull(row) { continue }
                let type = batch.schema.fields[ci].type
                switch column.storage {
                case .boolean(let v): out.append(contentsOf: (v[row] ? "true" : "false").utf8)
                case .int8(let v): out.append(contentsOf: String(v[row]).utf8)
                case .int16(let v): out.append(contentsOf: String(v[row]).utf8)
                case .int32(let v):
                    if type == .date { ValueText.appendDate(Int(v[row]), to: &out) } else { out.append(contentsOf: String(v[row]).utf8) }
                case .int64(let v):
                    if case .timestamp = type { ValueText.appendTimestamp(v[row], alwaysFraction: true, to: &out) } else { out.append(contentsOf: String(v[row]).utf8) }
                case .float32(let v): out.append(contentsOf: String(v[row]).utf8)
                case .float64(let v): out.append(contentsOf: String(v[row]).utf8)
                case .int128(let v):
                    if case .decimal(_, let s) = type { ValueText.appendDecimal(v[row], scale: s, to: &out) } else { out.append(contentsOf: String(v[row]).utf8) }
                case .bytes(let v):
                    if type == .binary {
                        // An empty value must be quoted: an empty unquoted field is NULL.
                        if v[row].isEmpty { out.append(contentsOf: [0x22, 0x22]) }
                        for b in v[row] { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
                    } else {
                        appendQuoted(v[row], &out, forceIfEmpty: true)
                    }
                }
            }
            out.append(0x0A)
        }
        return out
    }

    @inline(__always)
    static func appendQuoted(_ value: ArraySlice<UInt8>, _ out: inout [UInt8], forceIfEmpty: Bool) {
        var needs = value.isEmpty && forceIfEmpty
        if !needs {
            for c in value where c == UInt8(ascii: ",") || c == UInt8(ascii: "\"") || c == 0x0A || c == 0x0D {
                needs = true
                break
            }
        }
        if !needs {
            out.append(contentsOf: value)
            return
        }
        out.append(UInt8(ascii: "\""))
        for c in value {
            if c == UInt8(ascii: "\"") { out.append(c) }
            out.append(c)
        }
        out.append(UInt8(ascii: "\""))
    }
}

import LakeCodecs
import LakeParquet

/// The encoders behind `--file-format` and `--compression`.
public enum ChangeFileEncoding {
    /// Encodes a batch as a change file; returns its bytes and file-name extension
    /// (`parquet`, `csv`, `csv.gz`, `csv.zst`).
    @Sendable
    public static func encode(_ batch: ColumnBatch, _ format: ChangeFileFormat, _ compression: ChangeCompression) throws -> (bytes: [UInt8], fileExtension: String) {
        switch format {
        case .parquet:
            var options = WriterOptions()
            switch compression {
            case .zstd: options.compression = .zstd
            case .gzip: options.compression = .gzip
            case .none: options.compression = .uncompressed
            }
            let sink = MemorySink()
            do {
                let writer = try ParquetWriter(sink: sink, schema: batch.schema, options: options)
                try writer.write(batch)
                _ = try writer.close()
            } catch {
                throw IngestError(.io, "encoding a Parquet change file (\(compression.rawValue)): \(error)")
            }
            return (sink.bytes, "parquet")
        case .csv:
            let plain = DMSCSVEncoder.encode(batch)
            switch compression {
            case .none: return (plain, "csv")
            case .gzip, .zstd:
                let codec: CompressionCodec = compression == .gzip ? .gzip : .zstd
                do {
                    return (try codec.compress(plain), compression == .gzip ? "csv.gz" : "csv.zst")
                } catch {
                    throw IngestError(.io, "compressing a CSV change file (\(compression.rawValue)): \(error)")
                }
            }
        }
    }
}
