/// Orders `count` non-negative `Double` keys by decreasing value, ties by increasing index: a
/// least-significant-digit radix sort of the keys' bit patterns (for non-negative doubles, the
/// bit pattern as an unsigned integer orders as the value does), 11 bits per pass, each pass
/// stable. Starting from the indices in order, stability gives ties their index order, so the
/// result is the one ``mergeSort(_:count:buffer:by:)`` gives with the comparison
/// `a > b || (a == b && i < j)`, in 6 linear passes (fewer: a pass whose digit is the same for
/// every key is skipped, as the top one, sign and high exponent bits, usually is) instead of
/// log₂(count) passes of unpredictable comparisons. 11-bit digits took 5 passes where bytes
/// took 7, and their 2048 counters still sit in L1. The Lovász
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
    // One histogram per digit, all counted in one pass over the keys.
    let h = (buffer + 2 * count * MemoryLayout<UInt64>.stride).bindMemory(to: Int.self,
                                                                          capacity: radixDigits * radixBuckets)
    h.initialize(repeating: 0, count: radixDigits * radixBuckets)
    @inline(__always) func digit(_ k: UInt64, _ d: Int) -> Int {
        Int(truncatingIfNeeded: (k >> UInt64(radixBits * d)) & UInt64(radixBuckets - 1))
    }
    for i in 0..<count {
        let k = keys[i]
        for d in 0..<radixDigits { h[d * radixBuckets + digit(k, d)] += 1 }
    }
    var (sourceKeys, sourceOrder, targetKeys, targetOrder) = (keys, order, otherKeys, otherOrder)
    for d in 0..<radixDigits {
        let bins = h + d * radixBuckets
        if bins[digit(sourceKeys[0], d)] == count { continue }
        var start = 0
        for b in 0..<radixBuckets { (bins[b], start) = (start, start + bins[b]) }
        for i in 0..<count {
            let k = sourceKeys[i]
            let b = digit(k, d)
            targetKeys[bins[b]] = k
            targetOrder[bins[b]] = sourceOrder[i]
            bins[b] += 1
        }
        swap(&sourceKeys, &targetKeys)
        swap(&sourceOrder, &targetOrder)
    }
    if sourceOrder != order { order.update(from: sourceOrder, count: count) }
}

/// Bits per digit of ``sortDecreasing(_:count:order:buffer:)``, its digits per key and its
/// buckets per digit.
@usableFromInline let radixBits = 11
@usableFromInline let radixDigits = (64 + radixBits - 1) / radixBits
@usableFromInline let radixBuckets = 1 << radixBits

/// The scratch words (8 bytes each) ``sortDecreasing(_:count:order:buffer:)`` needs for
/// `count` keys: a second copy of keys and indices, and a histogram per digit.
@inlinable
func radixSortScratch(_ count: Int) -> Int { scratchCount(2, count, plus: radixDigits * radixBuckets) }
