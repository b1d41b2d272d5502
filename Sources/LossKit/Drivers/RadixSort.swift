/// Orders `count` non-negative `Double` keys by decreasing value, ties by increasing index: a
/// least-significant-digit radix sort of the keys' bit patterns (for non-negative doubles, the
/// bit pattern as an unsigned integer orders as the value does), one byte per pass, each pass
/// stable. Starting from the indices in order, stability gives ties their index order, so the
/// result is the one ``mergeSort(_:count:buffer:by:)`` gives with the comparison
/// `a > b || (a == b && i < j)`, in 8 linear passes (fewer: a pass whose byte is the same for
/// every key is skipped) instead of log₂(count) passes of unpredictable comparisons. The Lovász
/// loss sorts every class's errors of every sample this way. NaN keys sort first.
///
/// `keys` is overwritten; `order` receives the indices (`count` values); `buffer` holds
/// ``radixSortScratch(_:)`` words.
@inlinable
func sortDecreasing(_ keys: UnsafeMutablePointer<UInt64>, count: Int, order: UnsafeMutablePointer<Int>,
                    buffer: UnsafeMutableRawPointer) {
    let otherKeys = buffer.bindMemory(to: UInt64.self, capacity: count)
    let otherOrder = (buffer + count * MemoryLayout<UInt64>.stride).bindMemory(to: Int.self, capacity: count)
    // Decreasing value = increasing complement.
    for i in 0..<count {
        keys[i] = ~keys[i]
        order[i] = i
    }
    guard count > 0 else { return }
    // One histogram per byte, all counted in one pass over the keys.
    let h = (buffer + 2 * count * MemoryLayout<UInt64>.stride).bindMemory(to: Int.self, capacity: 8 * 256)
    h.initialize(repeating: 0, count: 8 * 256)
    for i in 0..<count {
        let k = keys[i]
        for byte in 0..<8 { h[byte * 256 + Int((k >> UInt64(8 * byte)) & 0xff)] += 1 }
    }
    var (sourceKeys, sourceOrder, targetKeys, targetOrder) = (keys, order, otherKeys, otherOrder)
    for byte in 0..<8 {
        let bins = h + byte * 256
        if bins[Int((sourceKeys[0] >> UInt64(8 * byte)) & 0xff)] == count { continue }
        var start = 0
        for b in 0..<256 { (bins[b], start) = (start, start + bins[b]) }
        for i in 0..<count {
            let k = sourceKeys[i]
            let b = Int((k >> UInt64(8 * byte)) & 0xff)
            targetKeys[bins[b]] = k
            targetOrder[bins[b]] = sourceOrder[i]
            bins[b] += 1
        }
        swap(&sourceKeys, &targetKeys)
        swap(&sourceOrder, &targetOrder)
    }
    if sourceOrder != order { order.update(from: sourceOrder, count: count) }
}

/// The scratch words (8 bytes each) ``sortDecreasing(_:count:order:buffer:)`` needs for
/// `count` keys: a second copy of keys and indices, and 8 histograms of 256 counts.
@inlinable
func radixSortScratch(_ count: Int) -> Int { scratchCount(2, count, plus: 8 * 256) }
