/// 2x2, stride-2 pooling with floor rounding (an odd last row or column is dropped, as in
/// PyTorch's and Caffe's floor mode).
struct PoolingLayer {
  /// How the four inputs of a window are combined.
  enum Kind: Sendable { case max, average }

  let kind: Kind

  /// The output size for an input of `height` x `width`.
  static func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
    (height / 2, width / 2)
  }

  /// Pools the interior of `input` into the interior of `output`; for max pooling, records the
  /// winning position (0...3, first maximum on ties) of each window in `choices`.
  // input (C, H+2, W+2); output (C, H/2+2, W/2+2); choices (C * H/2 * W/2) for max pooling
  // A kernel, one loop nest (channels, rows, windows eight at a time and then one by one), kept
  // whole so that the SIMD and the scalar windows read side by side.
  func forward(
    _ input: PaddedPlanes, into output: PaddedPlanes, choices: UnsafeMutablePointer<UInt8>
  ) {
    precondition(input.channels == output.channels, "channel mismatch")
    precondition(
      (output.height, output.width) == Self.outputSize(height: input.height, width: input.width))
    let (inRow, inPlane, outRow, outPlane) = (
      input.rowStride, input.planeStride, output.rowStride, output.planeStride
    )
    let (height, width, kind) = (output.height, output.width, kind)
    let (source, target) = (input.base + input.interiorOffset, output.base + output.interiorOffset)
    parallelChunks(0..<input.channels) { chunk in
      for c in chunk {
        for y in 0..<height {
          let top = source + c * inPlane + 2 * y * inRow, bottom = top + inRow
          let out = target + c * outPlane + y * outRow
          let choice = choices + (c * height + y) * width
          // Eight windows at a time: even and odd lanes of 16 inputs are their left and right.
          var x = 0
          while x + 8 <= width {
            let t = UnsafeRawPointer(top + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
            let u = UnsafeRawPointer(bottom + 2 * x).loadUnaligned(as: SIMD16<Float>.self)
            let (a, b, d, e) = (t.evenHalf, t.oddHalf, u.evenHalf, u.oddHalf)
            switch kind {
            case .average:
              UnsafeMutableRawPointer(out + x).storeBytes(
                of: 0.25 * ((a + b) + (d + e)), as: SIMD8<Float>.self)
            case .max:
              var best = a
              var index = SIMD8<Int32>(repeating: 0)
              func consider(_ candidate: SIMD8<Float>, _ position: Int32) {
                let larger = candidate .> best  // strictly: the first maximum wins ties
                best.replace(with: candidate, where: larger)
                index.replace(with: position, where: larger)
              }
              consider(b, 1)
              consider(d, 2)
              consider(e, 3)
              UnsafeMutableRawPointer(out + x).storeBytes(of: best, as: SIMD8<Float>.self)
              UnsafeMutableRawPointer(choice + x).storeBytes(
                of: SIMD8<UInt8>(truncatingIfNeeded: index), as: SIMD8<UInt8>.self)
            }
            x += 8
          }
          for x in x..<width {
            let (a, b, d, e) = (top[2 * x], top[2 * x + 1], bottom[2 * x], bottom[2 * x + 1])
            switch kind {
            case .average:
              out[x] = 0.25 * ((a + b) + (d + e))
            case .max:
              var best = a, index: UInt8 = 0
              if b > best { best = b; index = 1 }
              if d > best { best = d; index = 2 }
              if e > best { best = e; index = 3 }
              out[x] = best
              choice[x] = index
            }
          }
        }
      }
    }
  }

  /// Routes the gradient of the pooled output back to the input: to the recorded maximum, or a
  /// quarter to each of the four. Dropped rows and columns, and the border, get zero.
  // outputGradient (C, H/2+2, W/2+2); inputGradient (C, H+2, W+2), overwritten
  func backward(
    _ outputGradient: PaddedPlanes, into inputGradient: PaddedPlanes, choices: UnsafePointer<UInt8>
  ) {
    precondition(outputGradient.channels == inputGradient.channels, "channel mismatch")
    precondition(
      (outputGradient.height, outputGradient.width)
        == Self.outputSize(height: inputGradient.height, width: inputGradient.width))
    let (inRow, inPlane, outRow, outPlane) = (
      inputGradient.rowStride, inputGradient.planeStride, outputGradient.rowStride,
      outputGradient.planeStride
    )
    let (height, width, kind) = (outputGradient.height, outputGradient.width, kind)
    let (source, target) = (outputGradient.base + outputGradient.interiorOffset, inputGradient.base)
    let (inHeight, inWidth) = (inputGradient.height, inputGradient.width)
    parallelChunks(0..<inputGradient.channels) { chunk in
      for c in chunk {
        let plane = target + c * inPlane
        plane.update(repeating: 0, count: inRow)  // top border row
        // Rows 2h+1 (if the height is odd) and the bottom border row were dropped by the pooling.
        (plane + (2 * height + 1) * inRow).update(
          repeating: 0, count: (inHeight - 2 * height + 1) * inRow)
        for y in 0..<height {
          let top = plane + (2 * y + 1) * inRow, bottom = top + inRow
          let g = source + c * outPlane + y * outRow
          let choice = choices + (c * height + y) * width
          top[0] = 0
          bottom[0] = 0
          for x in (2 * width + 1)..<(inWidth + 2) {  // a dropped column, the right border
            top[x] = 0
            bottom[x] = 0
          }
          switch kind {
          case .average:
            for x in 0..<width {
              let quarter = 0.25 * g[x]
              top[1 + 2 * x] = quarter; top[2 + 2 * x] = quarter
              bottom[1 + 2 * x] = quarter; bottom[2 + 2 * x] = quarter
            }
          case .max:
            // Zero both rows, then put each gradient where its window's maximum was.
            (top + 1).update(repeating: 0, count: 2 * width)
            (bottom + 1).update(repeating: 0, count: 2 * width)
            for x in 0..<width {
              let index = Int(choice[x])
              (index < 2 ? top : bottom)[1 + 2 * x + (index & 1)] = g[x]
            }
          }
        }
      }
    }
  }
}
