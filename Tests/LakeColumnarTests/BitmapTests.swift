import Testing
@testable import LakeColumnar

@Test func bitmapAppendAndIndex() {
    var bitmap = Bitmap()
    let bits = (0..<37).map { $0 % 3 != 0 }
    for bit in bits { bitmap.append(bit) }
    #expect(bitmap.count == 37)
    #expect((0..<37).map { bitmap[$0] } == bits)
    #expect(bitmap.nonzeroBitCount == bits.filter { $0 }.count)
    #expect(Bitmap(repeating: true, count: 13).nonzeroBitCount == 13)
}
