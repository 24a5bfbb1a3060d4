/// Adds a per-channel bias and applies ReLU in place, zeroing the side borders (fused into one
/// pass after a convolution).
// planes (C, H+2, W+2); bias (C); planes = max(0, planes + bias) inside, 0 on the border
func biasReLUForward(_ planes: PaddedPlanes, bias: [Float]) {
  precondition(
    bias.count == planes.channels, "bias has \(bias.count) entries for \(planes.channels) channels")
  let (height, width, rowStride, plane) = (
    planes.height, planes.width, planes.rowStride, planes.planeStride
  )
  let base = planes.base
  bias.withUnsafeBufferPointer { bias in
    nonisolated(unsafe) let bias = bias
    parallelChunks(0..<planes.channels) { chunk in
      for c in chunk {
        let b = bias[c]
        for y in 1...height {
          let row = base + c * plane + y * rowStride
          row[0] = 0
          for x in 1...width { row[x] = max(0, row[x] + b) }
          row[width + 1] = 0
        }
      }
    }
  }
}

/// The gradient through ReLU, in place: keeps `gradient` where the ReLU's output was positive.
/// Since the activations' border is zero, this also zeroes the gradient's border.
// gradient (C, H+2, W+2), activation (C, H+2, W+2) = ReLU output
// gradient = gradient * (activation > 0)
func reluBackward(_ gradient: PaddedPlanes, activation: PaddedPlanes) {
  precondition(gradient.count == activation.count, "ReLU gradient and activation differ in size")
  let plane = gradient.planeStride
  let (g, a) = (gradient.base, activation.base)
  parallelChunks(0..<gradient.channels) { chunk in
    for i in (chunk.lowerBound * plane)..<(chunk.upperBound * plane) where !(a[i] > 0) {
      g[i] = 0
    }
  }
}
