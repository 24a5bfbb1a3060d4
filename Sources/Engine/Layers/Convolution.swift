/// How a 3x3 convolution over `PaddedPlanes` is split into matrix products.
///
/// Output pixel (y, x) sits at padded index `n + rowStride + 1` with `n = y * rowStride + x`, and
/// its input under kernel tap (dy, dx) sits at `n + dy * rowStride + dx`. So each tap is a matrix
/// product over a *shifted view* of the input; the two border columns come out as garbage and
/// are zeroed afterwards. The strategies trade copies against the product's depth K.
package enum ConvolutionStrategy: String, CaseIterable, Sendable {
  /// Nine products with K = C straight over shifted views; no copies, the output is summed 9 times.
  case nineShifts
  /// Three copies of each channel shifted by dx, then three products (one per dy) with K = 3C.
  case threeShifts
  /// Nine shifted copies of each channel (im2col on padded rows), one product with K = 9C.
  case im2col
  /// One product (9 * outC, C) x (C, pixels), then nine shifted sums: for outputs with few channels.
  case gather
}

/// A 3x3 convolution (padding 1, stride 1, no bias) packed for one `ConvolutionStrategy`.
package struct ShiftedConvolution {
  let inChannels: Int
  let outChannels: Int
  let strategy: ConvolutionStrategy
  /// The weights rearranged for `strategy` (see `init`).
  private let packed: [Float]

  /// Elements of scratch space one stripe may use by default; stripes keep copies and partial
  /// sums in cache.
  nonisolated(unsafe) package static var defaultStripeBudget = 1 << 21

  /// Packs `weights`, (outC, inC, 3, 3) row-major (PyTorch's OIHW).
  package init(weights: [Float], outChannels: Int, inChannels: Int, strategy: ConvolutionStrategy) {
    precondition(weights.count == outChannels * inChannels * 9, "weights must be (outC, inC, 3, 3)")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.strategy = strategy
    let (m, c) = (outChannels, inChannels)
    let packed = [Float](unsafeUninitializedCapacity: weights.count) { target, initialized in
      weights.withUnsafeBufferPointer { source in
        for o in 0..<m {
          for i in 0..<c {
            // weight (o, i, s), s = 3 dy + dx
            let w = source.baseAddress.unsafelyUnwrapped + (o * c + i) * 9
            switch strategy {
            case .im2col:  // (outC, [inC, dy, dx])
              for s in 0..<9 { target[(o * c + i) * 9 + s] = w[s] }
            case .threeShifts:  // (dy, outC, [inC, dx])
              for s in 0..<9 { target[((s / 3) * m + o) * c * 3 + i * 3 + s % 3] = w[s] }
            case .nineShifts, .gather:  // ([dy, dx], outC, inC)
              for s in 0..<9 { target[(s * m + o) * c + i] = w[s] }
            }
          }
        }
      }
      initialized = weights.count
    }
    self.packed = packed
  }

  /// Returns the weights of the adjoint convolution (flipped in space, in and out swapped).
  ///
  /// In OIHW, `flipped[i][o][2 - dy][2 - dx] = weights[o][i][dy][dx]`. Applying it gives the
  /// gradient of the convolution with respect to its input.
  static func adjointWeights(_ weights: [Float], outChannels: Int, inChannels: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: weights.count) { flipped, initialized in
      weights.withUnsafeBufferPointer { weights in
        let tile = 32  // a transpose: tiles keep both sides in cache
        for o0 in stride(from: 0, to: outChannels, by: tile) {
          for i0 in stride(from: 0, to: inChannels, by: tile) {
            for i in i0..<min(i0 + tile, inChannels) {
              for o in o0..<min(o0 + tile, outChannels) {
                for s in 0..<9 {
                  flipped[(i * outChannels + o) * 9 + (8 - s)] =
                    weights[(o * inChannels + i) * 9 + s]
                }
              }
            }
          }
        }
      }
      initialized = weights.count
    }
  }

  /// Overwrites the interior of `output` with the convolution of `input`; the side borders of
  /// `output` hold garbage afterwards (the caller zeroes them, usually fused with its next pass).
  ///
  /// The padded pixels n = 0 ..< H * rowStride - 2 cover every interior pixel; they are done in
  /// stripes of consecutive n whose copies and partial sums fit `stripeBudget` elements.
  // input (C, H+2, W+2) zero border; weights (outC, C, 3, 3); output (outC, H+2, W+2)
  package func apply(
    _ input: PaddedPlanes, into output: PaddedPlanes, scratch: Scratch,
    stripeBudget: Int = ShiftedConvolution.defaultStripeBudget
  ) {
    precondition(input.channels == inChannels && output.channels == outChannels, "channel mismatch")
    precondition(input.height == output.height && input.width == output.width, "size mismatch")
    let (m, c) = (outChannels, inChannels)
    let rowStride = input.rowStride
    let pixels = input.height * rowStride - 2  // n = 0 ..< pixels covers every interior pixel
    let halo = 2 * rowStride + 2  // how far the taps reach past n
    // Rows of scratch per stripe, and how far past the stripe each row reaches.
    let (rows, reach): (Int, Int)
    switch strategy {
    case .nineShifts: (rows, reach) = (m, 0)  // no scratch; bounds the output slab instead
    case .threeShifts: (rows, reach) = (3 * c, 2 * rowStride)
    case .im2col: (rows, reach) = (9 * c, 0)
    case .gather: (rows, reach) = (9 * m, halo)
    }
    let stripe = max(1, min(pixels, max(64, stripeBudget / rows - reach)))
    let target = output.base + rowStride + 1
    packed.withUnsafeBufferPointer { packedBuffer in
      guard let weights = packedBuffer.baseAddress else { return }
      for start in stride(from: 0, to: pixels, by: stripe) {
        let stripe = Stripe(
          input: input, target: target, start: start, length: min(stripe, pixels - start))
        switch strategy {
        case .nineShifts: nineShifts(weights, stripe)
        case .threeShifts: threeShifts(weights, stripe, scratch: scratch)
        case .im2col: im2col(weights, stripe, scratch: scratch)
        case .gather: gather(weights, stripe, scratch: scratch)
        }
      }
    }
  }

  /// The padded pixels start ..< start + length of a convolution's input and output.
  private struct Stripe {
    /// The input planes, (C, H+2, W+2).
    let input: PaddedPlanes
    /// Output pixel n = 0 (interior pixel (0, 0)), in planes like the input's.
    let target: UnsafeMutablePointer<Float>
    let start: Int
    let length: Int
    var rowStride: Int { input.rowStride }
    var plane: Int { input.planeStride }
    /// The input from pixel `start`.
    var source: UnsafeMutablePointer<Float> { input.base + start }
  }

  /// Nine products with K = C, one per tap (dy, dx), straight over the shifted input.
  private func nineShifts(_ weights: UnsafePointer<Float>, _ stripe: Stripe) {
    let (m, c, rowStride, plane) = (outChannels, inChannels, stripe.rowStride, stripe.plane)
    for s in 0..<9 {
      gemm(
        weights + s * m * c, stripe.source + (s / 3) * rowStride + s % 3,
        into: stripe.target + stripe.start,
        m: m, n: stripe.length, k: c, beta: s == 0 ? 0 : 1, rowStrideB: plane, rowStrideC: plane)
    }
  }

  /// Three copies of each channel shifted by dx, then one product per dy with K = 3C.
  private func threeShifts(_ weights: UnsafePointer<Float>, _ stripe: Stripe, scratch: Scratch) {
    let (m, c, rowStride, plane) = (outChannels, inChannels, stripe.rowStride, stripe.plane)
    // columns (C, dx, length + 2 rowStride): channel i shifted right by dx
    let width = stripe.length + 2 * rowStride
    let columns = scratch.reserve(3 * c * width)
    let source = stripe.source
    parallelChunks(0..<c) { chunk in
      for i in chunk {
        for dx in 0..<3 {
          (columns + (i * 3 + dx) * width).update(from: source + i * plane + dx, count: width)
        }
      }
    }
    for dy in 0..<3 {
      gemm(
        weights + dy * m * 3 * c, columns + dy * rowStride, into: stripe.target + stripe.start,
        m: m, n: stripe.length, k: 3 * c, beta: dy == 0 ? 0 : 1, rowStrideB: width,
        rowStrideC: plane)
    }
  }

  /// Nine shifted copies of each channel (im2col on padded rows), then one product with K = 9C.
  private func im2col(_ weights: UnsafePointer<Float>, _ stripe: Stripe, scratch: Scratch) {
    let (m, c, rowStride, plane, length) = (
      outChannels, inChannels, stripe.rowStride, stripe.plane, stripe.length
    )
    // columns (C, 9, length): channel i shifted by tap s
    let columns = scratch.reserve(9 * c * length)
    let source = stripe.source
    parallelChunks(0..<c) { chunk in
      for i in chunk {
        for s in 0..<9 {
          (columns + (i * 9 + s) * length)
            .update(from: source + i * plane + (s / 3) * rowStride + s % 3, count: length)
        }
      }
    }
    gemm(
      weights, columns, into: stripe.target + stripe.start, m: m, n: length, k: 9 * c,
      rowStrideC: plane)
  }

  /// One product (9 outC, C) x (C, pixels) giving every tap's sums at every pixel, then nine
  /// shifted additions.
  private func gather(_ weights: UnsafePointer<Float>, _ stripe: Stripe, scratch: Scratch) {
    let (m, c, rowStride, plane, length) = (
      outChannels, inChannels, stripe.rowStride, stripe.plane, stripe.length
    )
    // sums (9, outC, length + halo): every tap's product at every position, then shifted adds
    let width = length + 2 * rowStride + 2
    let sums = scratch.reserve(9 * m * width)
    gemm(weights, stripe.source, into: sums, m: 9 * m, n: width, k: c, rowStrideB: plane)
    let target = stripe.target + stripe.start
    parallelChunks(0..<m) { chunk in
      for o in chunk {
        let out = target + o * plane
        for s in 0..<9 {
          let row = sums + (s * m + o) * width + (s / 3) * rowStride + s % 3
          if s == 0 {
            out.update(from: row, count: length)
          } else {
            for j in 0..<length { out[j] += row[j] }
          }
        }
      }
    }
  }
}

/// A growable scratch buffer shared by the layers of one network (never used concurrently).
package final class Scratch {
  /// An empty buffer.
  package init() {}

  private(set) var capacity = 0
  private var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)

  /// At least `count` elements, contents undefined.
  func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
    if count > capacity {
      pointer.deallocate()
      pointer = .allocate(capacity: count)
      capacity = count
    }
    return pointer
  }

  deinit { pointer.deallocate() }
}
