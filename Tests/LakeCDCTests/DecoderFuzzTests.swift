import Foundation
import LakeColumnar
import Testing
@testable import LakeCDC

/// Corrupt input must never crash or hang the decoder: mutated events either decode or throw.
@Suite struct DecoderFuzzTests {
    static let event = #"""
        {"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"p"},{"type":"int64","optional":true,"name":"io.debezium.time.NanoTimestamp","field":"n"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"d"},{"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","field":"z"},{"type":"struct","fields":[{"type":"int32","field":"scale"},{"type":"bytes","field":"value"}],"optional":true,"name":"io.debezium.data.VariableScaleDecimal","field":"v"}],"optional":true,"field":"after"}]},"payload":{"before":null,"after":{"id":1,"p":"AeI=","n":-9223372036854775808,"d":-2147483648,"z":"2024-06-12T10:30:27.362108+02:00","v":{"scale":3,"value":"/w=="}},"source":{"schema":"s","table":"t","lsn":12,"sequence":"[null,\"12\"]","ts_ms":1},"op":"c"}}
        """#

    @Test func mutatedEventsDecodeOrThrow() throws {
        var rng = SystemRandomNumberGenerator()
        let base = Array(Self.event.utf8)
        let alphabet = Array(#"{}[]",:0123456789-+.eE\ntfnul"aZ/="#.utf8)
        var decoded = 0
        for _ in 0..<600 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = alphabet.randomElement(using: &rng) ?? 0
                case 1: bytes.remove(at: i)
                default: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: i)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let registry = TableRegistry()
            var decoder = DebeziumDecoder(tableOverride: nil, declared: nil)
            for _ in 0..<3 {
                let outcome: DecodeOutcome
                do {
                    outcome = try bytes.withUnsafeBufferPointer { try decoder.decode($0, from: 0, registry: registry).1 }
                } catch {
                    break
                }
                if case .needsTable(let id) = outcome {
                    registry.add(TableBuffer(id: id, fields: [], key: [], state: BatchStateMachine(policy: BatchPolicy(), nextNumber: 0)))
                    continue
                }
                if case .appended(let t) = outcome {
                    decoded += 1
                    #expect(t.takeBatch()?.batch.rowCount == 1)
                }
                break
            }
        }
        #expect(decoded > 0)
    }
}
