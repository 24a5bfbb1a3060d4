import Dispatch
import Foundation

/// The number of cores the engine spreads its own (non-BLAS) loops over.
package let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body(chunk)` for `range` split into at most `coreCount` contiguous chunks, in parallel.
///
/// For memory-bound loops outside BLAS (im2col, pooling, warping). Called from inside another
/// `parallelChunks` (e.g. in one of two optical flows computed side by side), it runs the whole
/// range serially on the calling thread: one level of parallelism. Never call it while OpenBLAS
/// runs on another thread.
func parallelChunks(_ range: Range<Int>, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
  parallelChunks(range, minimumChunk: minimumChunk) { chunk, _ in body(chunk) }
}

/// `parallelChunks` that also passes each chunk's number, 0 ..< `coreCount`, so that a chunk
/// can use its own slice of a shared scratch buffer.
func parallelChunks(
  _ range: Range<Int>, minimumChunk: Int = 1, _ body: (_ chunk: Range<Int>, _ worker: Int) -> Void
) {
  let chunks = min(coreCount, max(1, range.count / max(1, minimumChunk)))
  if chunks <= 1 || ParallelWorker.isInside {
    body(range, 0)
    return
  }
  let size = (range.count + chunks - 1) / chunks
  withoutActuallyEscaping(body) { body in
    // Each chunk touches disjoint elements; the caller guarantees that, not the type system.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { index in
      let start = range.lowerBound + index * size
      let end = min(range.upperBound, start + size)
      if start < end { ParallelWorker.$isInside.withValue(true) { body(start..<end, index) } }
    }
  }
}

/// Marks the threads running a `parallelChunks` body, so that nested calls stay serial.
private enum ParallelWorker {
  /// Bound per thread (outside a task, a task-local value is bound to the current thread).
  @TaskLocal static var isInside = false
}
