import Foundation
import LakeObjectStore
import Testing
@testable import DeltaLog

@Suite struct Z85Tests {
    @Test func zeroMQSpecVector() throws {
        // ZeroMQ RFC 32: these 8 bytes encode to "HelloWorld".
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == bytes)
    }

    @Test func padsAndTruncates() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6]
        let text = Z85.encode(bytes)
        #expect(text.count == 10)
        #expect(try Z85.decode(text, length: 6) == bytes)
        #expect(try Z85.decode(text).count == 8)
    }

    @Test func rejectsBadText() {
        #expect(throws: DeltaLogError.self) { try Z85.decode("Hell") }          // not a multiple of 5
        #expect(throws: DeltaLogError.self) { try Z85.decode("Hell\"") }        // outside the alphabet
        #expect(throws: DeltaLogError.self) { try Z85.decode("#####") }         // above 2^32-1
        #expect(throws: DeltaLogError.self) { try Z85.decode("HelloWorld", length: 9) }
    }
}

@Suite struct DeletionVectorDescriptorTests {
    @Test func protocolExampleRelativePathWithPrefix() throws {
        let json = try JSONValue.parse(#"{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":6}"#)
        let dv = try DeletionVectorDescriptor(json: json)
        #expect(dv.storageType == .uuidRelativePath)
        #expect(try dv.relativePath() == "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin")
        #expect(try dv.absolutePath(tableLocation: "s3://mytable/") == "s3://mytable/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin")
        #expect(dv.uniqueId == "uab^-aqEH.-t@S}K{vb[*k^@4")
        #expect(try DeletionVectorDescriptor(json: dv.json) == dv)
    }

    @Test func protocolExampleAbsoluteAndInline() throws {
        let p = try DeletionVectorDescriptor(json: try JSONValue.parse(
            #"{"storageType":"p","pathOrInlineDv":"s3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin","offset":4,"sizeInBytes":40,"cardinality":6}"#))
        #expect(try p.absolutePath(tableLocation: "s3://other") == "s3://mytable/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin")
        #expect(try DeletionVectorStore.fileKey(p, tableRoot: "t", tableURL: "s3://mytable") == "t/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin")
        #expect(throws: DeltaLogError.self) { try DeletionVectorStore.fileKey(p, tableRoot: "", tableURL: "s3://elsewhere") }
        let i = try DeletionVectorDescriptor(json: try JSONValue.parse(
            #"{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L","sizeInBytes":40,"cardinality":6}"#))
        #expect(i.uniqueId == "iwi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L")
        #expect(i.offset == nil)
        #expect(try i.absolutePath(tableLocation: "s3://mytable") == nil)
        #expect(i.json.serialized.contains("offset") == false)
    }

    @Test func rejectsInvalidDescriptors() throws {
        for text in [#"{"storageType":"x","pathOrInlineDv":"a","sizeInBytes":1,"cardinality":1}"#,
                     #"{"storageType":"i","pathOrInlineDv":"a","offset":1,"sizeInBytes":1,"cardinality":1}"#,
                     #"{"storageType":"u","pathOrInlineDv":"a","sizeInBytes":-1,"cardinality":1}"#,
                     #"{"storageType":"u","pathOrInlineDv":"a","sizeInBytes":1}"#] {
            #expect(throws: DeltaLogError.self) { try DeletionVectorDescriptor(json: try JSONValue.parse(text)) }
        }
        let short = DeletionVectorDescriptor(storageType: .uuidRelativePath, pathOrInlineDv: "abc", offset: 1, sizeInBytes: 4, cardinality: 1)
        #expect(throws: DeltaLogError.self) { try short.relativePath() }
    }
}

@Suite struct RoaringBitmap64Tests {
    func roundTrip(_ rows: [UInt64]) throws -> [UInt8] {
        let bytes = try RoaringBitmap64.encode(rows)
        #expect(try RoaringBitmap64.decode(bytes, maxCardinality: rows.count, name: "test") == rows)
        return bytes
    }

    @Test func roundTrips() throws {
        #expect(try roundTrip([]) == [0, 0, 0, 0, 0, 0, 0, 0])
        _ = try roundTrip([0])
        _ = try roundTrip([65535, 65536, 131071])
        _ = try roundTrip([1 << 32 + 5])
        _ = try roundTrip([3, 70000, 1 << 32, 1 << 32 + 5, 7 << 32 + 65536 * 3 + 9, UInt64(Int64.max)])
        // 10 000 values in one 16-bit block: a bitmap container (8192 bytes) instead of 20 000 bytes of array.
        let dense = try roundTrip(Array(0..<10_000))
        #expect(dense.count == 8 + 4 + 4 + 4 + 4 + 4 + 8192)
        // Exactly 4096 values stays an array; 4097 becomes a bitmap.
        #expect(try roundTrip(Array(0..<4096)).count == 8 + 4 + 16 + 4 * 4096 / 2 * 1)
        #expect(try roundTrip(Array(0..<4097)).count == 8 + 4 + 16 + 8192)
        // Several buckets and dense blocks in each.
        let mixed = (0..<3).flatMap { bucket in (0..<5000).map { UInt64(bucket) << 32 + UInt64($0) * 3 } }
        _ = try roundTrip(mixed)
    }

    @Test func encodeRejectsUnsortedRows() {
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.encode([5, 3]) }
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.encode([5, 5]) }
    }

    /// A 32-bit bitmap with run containers (cookie 12347), built by hand per RoaringFormatSpec.
    func runBitmap(containers: [(key: UInt16, run: Bool, cardinality: Int, body: [UInt16])], offsets: Bool) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) { u16(v & 0xFFFF); u16(v >> 16) }
        u32(12347 | (containers.count - 1) << 16)
        var runBits = [UInt8](repeating: 0, count: (containers.count + 7) / 8)
        for (i, c) in containers.enumerated() where c.run { runBits[i / 8] |= 1 << UInt8(i % 8) }
        out += runBits
        for c in containers { u16(Int(c.key)); u16(c.cardinality - 1) }
        if offsets {
            var offset = out.count + 4 * containers.count
            for c in containers { u32(offset); offset += 2 * c.body.count }
        }
        for c in containers { for v in c.body { u16(Int(v)) } }
        return out
    }

    @Test func decodesRunContainersWithoutOffsets() throws {
        // Bucket 0: run 10..14 in block 0; array {3, 7} in block 1. Bucket 2: run 0..1 in block 0.
        var bytes: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 0]
        bytes += [0, 0, 0, 0]
        bytes += runBitmap(containers: [(0, true, 5, [1, 10, 4]), (1, false, 2, [3, 7])], offsets: false)
        bytes += [2, 0, 0, 0]
        bytes += runBitmap(containers: [(0, true, 2, [1, 0, 1])], offsets: false)
        let rows = try RoaringBitmap64.decode(bytes, maxCardinality: 100, name: "hand")
        let expected: [UInt64] = [10, 11, 12, 13, 14, 65539, 65543, 2 << 32, 2 << 32 + 1]
        #expect(rows == expected)
    }

    @Test func decodesRunContainersWithOffsets() throws {
        // Four containers: the run cookie then carries offsets.
        var bytes: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        bytes += runBitmap(containers: [(0, true, 3, [1, 0, 2]), (1, false, 1, [9]), (2, true, 4, [2, 0, 0, 100, 2]), (5, false, 1, [65535])],
                           offsets: true)
        let rows = try RoaringBitmap64.decode(bytes, maxCardinality: 100, name: "hand")
        let expected: [UInt64] = [0, 1, 2, 65_545, 131_072, 131_172, 131_173, 131_174, 393_215]
        #expect(rows == expected)
    }

    @Test func rejectsCorruptBitmaps() throws {
        let valid = try RoaringBitmap64.encode([1, 2, 70000, 1 << 33])
        // Every truncation fails cleanly.
        for cut in 0..<valid.count {
            #expect(throws: DeltaLogError.self) { try RoaringBitmap64.decode(Array(valid[0..<cut]), maxCardinality: 4, name: "t") }
        }
        // Trailing garbage, a too-small cardinality bound, a huge bucket count.
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.decode(valid + [0], maxCardinality: 4, name: "t") }
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.decode(valid, maxCardinality: 3, name: "t") }
        var huge = valid
        huge[7] = 0x7F
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.decode(huge, maxCardinality: 4, name: "t") }
        // A full-block run with a tiny cardinality bound fails before expanding.
        var run: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        run += runBitmap(containers: [(0, true, 65536, [1, 0, 65535])], offsets: false)
        #expect(throws: DeltaLogError.self) { try RoaringBitmap64.decode(run, maxCardinality: 10, name: "t") }
        #expect(try RoaringBitmap64.decode(run, maxCardinality: 65536, name: "t").count == 65536)
    }

    @Test func randomMutationsNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let rows: [UInt64] = (0..<3000).map { UInt64($0) * 7 } + [UInt64(1) << 32 + 5]
        let valid = try RoaringBitmap64.encode(rows)
        for _ in 0..<300 {
            var bytes = valid
            for _ in 0..<3 {
                let i = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[i] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? RoaringBitmap64.decode(bytes, maxCardinality: rows.count, name: "fuzz")
        }
    }
}

@Suite struct DeletionVectorStoreTests {
    @Test func inlineAndFileRoundTrips() async throws {
        let (store, _) = temporaryStore()
        let small: [UInt64] = [2, 5, 70000]
        let inline = try await DeletionVectorStore.write(rows: small, store: store, tableRoot: "t")
        #expect(inline.storageType == .inline)
        #expect(inline.cardinality == 3)
        #expect(try await DeletionVectorStore.load(inline, store: store, tableRoot: "t") == small)

        let large: [UInt64] = Array(stride(from: UInt64(0), to: 200_000, by: 3)) + [UInt64(1) << 32 + 5]
        let file = try await DeletionVectorStore.write(rows: large, store: store, tableRoot: "t")
        #expect(file.storageType == .uuidRelativePath)
        #expect(file.offset == 1)
        let key = "t/" + (try #require(try file.relativePath()))
        let stored = try await store.get(key)
        #expect(stored[0] == 1)
        #expect(stored.count == 1 + 4 + Int(file.sizeInBytes) + 4)
        #expect(try await DeletionVectorStore.load(file, store: store, tableRoot: "t") == large)

        let forced = try await DeletionVectorStore.write(rows: small, store: store, tableRoot: "t", placement: .file)
        #expect(forced.storageType == .uuidRelativePath)
        #expect(try await DeletionVectorStore.load(forced, store: store, tableRoot: "t") == small)
    }

    @Test func corruptFilesThrowNamingTheDV() async throws {
        let (store, _) = temporaryStore()
        let rows: [UInt64] = [1, 9, 4000, 90000]
        let dv = try await DeletionVectorStore.write(rows: rows, store: store, tableRoot: "", placement: .file)
        let key = try #require(try dv.relativePath())
        let good = try await store.get(key)

        func expectFailure(_ bytes: [UInt8], _ descriptor: DeletionVectorDescriptor, _ fragment: String) async throws {
            try await store.put(key, bytes: bytes)
            do {
                _ = try await DeletionVectorStore.load(descriptor, store: store, tableRoot: "")
                Issue.record("expected an error containing \(fragment)")
            } catch let error as DeltaLogError {
                #expect(error.message.contains(dv.uniqueId))
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        var badCRC = good
        badCRC[badCRC.count - 1] ^= 0xFF
        try await expectFailure(badCRC, dv, "CRC-32")
        var badMagic = good
        badMagic[5] ^= 0x01
        // The CRC covers the magic number too: fix it so the magic check itself is reached.
        let content = Array(badMagic[5..<(5 + Int(dv.sizeInBytes))])
        let crc = DeletionVectorStore.crc32(content)
        badMagic.replaceSubrange((badMagic.count - 4)..., with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        try await expectFailure(badMagic, dv, "magic number")
        try await expectFailure(Array(good.dropLast(3)), dv, "fewer than")
        var tooBig = dv
        tooBig.sizeInBytes += 100
        try await expectFailure(good, tooBig, "fewer than")
        var wrongCardinality = dv
        wrongCardinality.cardinality = 3
        try await expectFailure(good, wrongCardinality, "more than the expected 3")
        var badSizeField = good
        badSizeField[4] ^= 0x01
        try await expectFailure(badSizeField, dv, "stores")
    }

    @Test func corruptInlineThrows() async throws {
        let (store, _) = temporaryStore()
        let dv = try await DeletionVectorStore.write(rows: [1, 2, 3], store: store, tableRoot: "")
        var truncated = dv
        truncated.pathOrInlineDv = String(dv.pathOrInlineDv.dropLast(5))
        await #expect(throws: DeltaLogError.self) { try await DeletionVectorStore.load(truncated, store: store, tableRoot: "") }
        var wrongSize = dv
        wrongSize.sizeInBytes -= 1
        await #expect(throws: DeltaLogError.self) { try await DeletionVectorStore.load(wrongSize, store: store, tableRoot: "") }
    }

    @Test func rowCountBoundsTheDV() async throws {
        let (store, _) = temporaryStore()
        let dv = try await DeletionVectorStore.write(rows: [1, 2, 99], store: store, tableRoot: "")
        #expect(try await DeletionVectorStore.load(dv, store: store, tableRoot: "", rowCount: 100) == [1, 2, 99])
        await #expect(throws: DeltaLogError.self) { try await DeletionVectorStore.load(dv, store: store, tableRoot: "", rowCount: 99) }
        await #expect(throws: DeltaLogError.self) { try await DeletionVectorStore.load(dv, store: store, tableRoot: "", rowCount: 2) }
    }

    @Test func rowsAtOrBeyond2To63AreRefused() {
        #expect(throws: DeltaLogError.self) { try DeletionVectorStore.serialize(rows: [1 << 63]) }
    }
}

@Suite struct DeletionVectorCommitTests {
    @Test func aFileMayBeReAddedWithADeletionVector() async throws {
        let (store, _) = temporaryStore()
        let table = try await makeTable(store)
        try await append(table, [sampleAdd("a.parquet", region: "eu")])
        let snapshot = try await table.snapshot()
        let file = try #require(snapshot.files.first)

        // Removing and re-adding the same plain file is refused.
        var plain = try await table.startTransaction(operation: "DELETE")
        plain.remove(file)
        plain.add(file)
        await #expect(throws: DeltaLogError.self) { try await plain.commit() }

        // Remove + add with a DV is one logical change.
        let dv = try await DeletionVectorStore.write(rows: [0, 3], store: store, tableRoot: table.root)
        var txn = try await table.startTransaction(operation: "DELETE")
        txn.remove(file, keepingWith: dv)
        try await txn.commit()
        let actions = try await table.readCommit(2)
        let added = try #require(actions.compactMap { if case .add(let a) = $0 { a } else { nil } }.first)
        #expect(try added.deletionVectorDescriptor() == dv)
        #expect(try await DeletionVectorStore.load(dv, store: store, tableRoot: table.root) == [0, 3])
    }
}
