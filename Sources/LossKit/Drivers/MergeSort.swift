/// Sorts `values[0..<count]` in place by `before` (a strict weak order) with a bottom-up merge
/// sort, using `buffer` (`count` elements) as its only extra memory, so a driver can allocate
/// that memory up front and report a failure instead of trapping (the standard library's `sort`
/// allocates its own buffer, and a failed allocation there ends the process). Stable; for a
/// total order (the Lovász driver breaks ties by index) the result is the unique sorted order.
@inlinable
func mergeSort<Element>(_ values: UnsafeMutablePointer<Element>, count: Int, buffer: UnsafeMutablePointer<Element>,
                        by before: (Element, Element) -> Bool) {
    var source = values, target = buffer
    var width = 1
    while width < count {
        var start = 0
        while start < count {
            let middle = Swift.min(start + width, count), end = Swift.min(start + 2 * width, count)
            var i = start, j = middle, k = start
            while i < middle && j < end {
                if before(source[j], source[i]) { target[k] = source[j]; j += 1 } else { target[k] = source[i]; i += 1 }
                k += 1
            }
            while i < middle { target[k] = source[i]; i += 1; k += 1 }
            while j < end { target[k] = source[j]; j += 1; k += 1 }
            start = end
        }
        swap(&source, &target)
        width *= 2
    }
    if source != values { values.update(from: source, count: count) }
}
