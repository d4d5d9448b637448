#if canImport(Glibc)
import Glibc
#endif

/// Keeps the heap from holding on to freed buffers.
///
/// The rewrite allocates and frees row-group-sized buffers (a few MiB each) on several threads.
/// glibc raises its mmap threshold to the largest buffer freed so far (up to 32 MiB), after which
/// such buffers come from per-thread arenas and stay resident once freed — about 80 MiB more peak
/// memory in the bulk benchmark. A fixed 2 MiB threshold returns them to the system on free, for a
/// few percent more page-fault time.
enum HeapTuning {
    static func boundRetention() {
        #if canImport(Glibc)
        // mallopt is in <malloc.h>, which the Glibc module does not export; M_MMAP_THRESHOLD is -3.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-3, 2 << 20)
        #endif
    }
}
