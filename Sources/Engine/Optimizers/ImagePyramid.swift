// A preconditioner for optimising pixels: the image as a sum of levels at halving sizes. The
// optimiser's steps are the same kind in the levels as in the pixels, but a step on a coarse
// level moves a whole region, which in the pixels takes many iterations to build up.

/// An image (C, H, W) written as levels, level 0 at full size and each next one at half the
/// width and height (rounded up), down to `smallestSide`:
///   image = L0 + w U(L1 + w U(L2 + ...))
/// with U the 2x bilinear upsampling (pixel centres aligned, edges clamped) and w `weight`.
///
/// A linear map from the levels to the image, with its adjoint for the gradient: minimising a
/// loss over the levels from `levels(of: start)` is the same problem as over the pixels, with
/// L-BFGS's initial inverse Hessian gamma I becoming gamma P P^T in the pixels, which weights a
/// region's mean (2w)^2k more at level k (`StyleTransfer.Configuration.pyramidWeight` has
/// the measurements). Not thread-safe (scratch of its own).
final class ImagePyramid {
  let channels: Int
  /// (height, width) of each level, full size first.
  let sizes: [(height: Int, width: Int)]
  /// w, the weight of each coarser level in the next finer one.
  let weight: Float
  /// Where each level starts in the levels' vector; the last element is the vector's length.
  let offsets: [Int]
  /// Scratch: the partial sums of the levels (at the levels' offsets; level 0 unused).
  private var sums: [Float]
  /// Scratch: one separable pass's rows, (C, coarse height, fine width) at the largest.
  private var rows: [Float]

  /// The largest change of any level's element in one L-BFGS step (0-255 scale). Without a
  /// line search, L-BFGS's second step, scaled by the curvature seen in its tiny first one, can
  /// overshoot by orders of magnitude when a step moves whole regions: on a 96x64 stripes
  /// style the loss went from 6e9 to 1e21, and the restarts took 15 of 30 iterations. Capped,
  /// none; on real photos the cap hardly binds (Turner, 60 iterations: 5.122e6 -> 5.126e6).
  static let largestStep: Float = 32

  /// Levels for an image of `channels` x `height` x `width`: halved while both sides of the
  /// next level would be at least `smallestSide`.
  init(channels: Int, height: Int, width: Int, weight: Float, smallestSide: Int = 16) {
    precondition(channels > 0 && height > 0 && width > 0, "an empty image")
    var sizes = [(height: height, width: width)]
    while let last = sizes.last, min((last.height + 1) / 2, (last.width + 1) / 2) >= smallestSide {
      sizes.append(((last.height + 1) / 2, (last.width + 1) / 2))
    }
    var offsets = [0]
    for size in sizes { offsets.append(offsets[offsets.count - 1] + channels * size.height * size.width) }
    (self.channels, self.sizes, self.weight, self.offsets) = (channels, sizes, weight, offsets)
    sums = [Float](repeating: 0, count: offsets[offsets.count - 1])
    rows = [Float](repeating: 0, count: sizes.count > 1 ? channels * sizes[1].height * width : 0)
  }

  /// The length of the levels' vector.
  var count: Int { offsets[offsets.count - 1] }

  /// Levels that give `image`, (C, H, W): the image itself at level 0, zeros elsewhere.
  func levels(of image: [Float]) -> [Float] {
    precondition(image.count == offsets[1], "the image has the wrong size")
    return image + [Float](repeating: 0, count: count - image.count)
  }

  /// Writes the image of `levels` into `image`, (C, H, W).
  func image(of levels: [Float], into image: inout [Float]) {
    precondition(levels.count == count && image.count == offsets[1], "wrong sizes")
    let coarsest = sizes.count - 1
    guard coarsest > 0 else { return image.overwrite(with: levels) }
    for i in offsets[coarsest]..<offsets[coarsest + 1] { sums[i] = levels[i] }
    for level in stride(from: coarsest - 1, through: 0, by: -1) {
      let (start, coarse) = (offsets[level], offsets[level + 1])
      sums.withUnsafeMutableBufferPointer { sums in
        levels.withUnsafeBufferPointer { levels in
          image.withUnsafeMutableBufferPointer { image in
            // sum_k = L_k + w U(sum_k+1), the last one (k = 0) into the image
            let target = level == 0 ? image.baseAddress! : sums.baseAddress! + start
            upsample(
              sums.baseAddress! + coarse, level: level + 1, into: target,
              adding: levels.baseAddress! + start)
          }
        }
      }
    }
  }

  /// Writes the gradient with respect to the levels, given `imageGradient`, the gradient with
  /// respect to the image: the adjoint of `image(of:into:)`.
  func gradient(ofImageGradient imageGradient: [Float], into gradient: inout [Float]) {
    precondition(gradient.count == count && imageGradient.count == offsets[1], "wrong sizes")
    gradient.withUnsafeMutableBufferPointer { gradient in
      imageGradient.withUnsafeBufferPointer { imageGradient in
        // g_0 = the image's gradient; g_k+1 = w U^T g_k
        gradient.baseAddress!.update(from: imageGradient.baseAddress!, count: imageGradient.count)
        for level in 1..<sizes.count {
          upsampleAdjoint(
            gradient.baseAddress! + offsets[level - 1], level: level,
            into: gradient.baseAddress! + offsets[level])
        }
      }
    }
  }

  /// The two taps of the 2x bilinear upsampling at fine index `i` of a coarse axis of `count`:
  /// coarse position i / 2 - 1/4, between the nearest coarse index (weight 3/4) and its
  /// neighbour on that side (1/4), clamped at the edges.
  @inline(__always)
  private static func taps(_ i: Int, coarseCount count: Int) -> (near: Int, far: Int) {
    let near = i / 2
    return (near, i % 2 == 0 ? max(0, near - 1) : min(count - 1, near + 1))
  }

  /// target = base + w U(source), source at `level`, target and base at the level above.
  // source (C, h, w) of `level`; target, base (C, H, W) of `level - 1`
  private func upsample(
    _ source: UnsafePointer<Float>, level: Int, into target: UnsafeMutablePointer<Float>,
    adding base: UnsafePointer<Float>
  ) {
    let (coarse, fine, weight) = (sizes[level], sizes[level - 1], weight)
    rows.withUnsafeMutableBufferPointer { rows in
      let rows = rows.baseAddress!
      parallelChunks(0..<channels) { chunk in
        for c in chunk {
          // along x: rows (h, W)
          let plane = source + c * coarse.height * coarse.width
          let planeRows = rows + c * coarse.height * fine.width
          for y in 0..<coarse.height {
            let (from, to) = (plane + y * coarse.width, planeRows + y * fine.width)
            for x in 0..<fine.width {
              let (near, far) = Self.taps(x, coarseCount: coarse.width)
              to[x] = 0.75 * from[near] + 0.25 * from[far]
            }
          }
          // along y, weighted, onto the base: target (H, W)
          let offset = c * fine.height * fine.width
          for y in 0..<fine.height {
            let (near, far) = Self.taps(y, coarseCount: coarse.height)
            let (a, b) = (planeRows + near * fine.width, planeRows + far * fine.width)
            let (to, add) = (target + offset + y * fine.width, base + offset + y * fine.width)
            for x in 0..<fine.width { to[x] = add[x] + weight * (0.75 * a[x] + 0.25 * b[x]) }
          }
        }
      }
    }
  }

  /// target = w U^T(gradient), gradient at the level above `level`, target at `level`.
  // gradient (C, H, W) of `level - 1`; target (C, h, w) of `level`
  private func upsampleAdjoint(
    _ gradient: UnsafePointer<Float>, level: Int, into target: UnsafeMutablePointer<Float>
  ) {
    let (coarse, fine, weight) = (sizes[level], sizes[level - 1], weight)
    rows.withUnsafeMutableBufferPointer { rows in
      let rows = rows.baseAddress!
      parallelChunks(0..<channels) { chunk in
        for c in chunk {
          // along y, transposed: rows (h, W)
          let planeRows = rows + c * coarse.height * fine.width
          planeRows.update(repeating: 0, count: coarse.height * fine.width)
          let plane = gradient + c * fine.height * fine.width
          for y in 0..<fine.height {
            let (near, far) = Self.taps(y, coarseCount: coarse.height)
            let (a, b) = (planeRows + near * fine.width, planeRows + far * fine.width)
            let from = plane + y * fine.width
            for x in 0..<fine.width {
              a[x] += 0.75 * from[x]
              b[x] += 0.25 * from[x]
            }
          }
          // along x, transposed and weighted: target (h, w)
          let targetPlane = target + c * coarse.height * coarse.width
          for y in 0..<coarse.height {
            let (from, to) = (planeRows + y * fine.width, targetPlane + y * coarse.width)
            to.update(repeating: 0, count: coarse.width)
            for x in 0..<fine.width {
              let (near, far) = Self.taps(x, coarseCount: coarse.width)
              to[near] += 0.75 * weight * from[x]
              to[far] += 0.25 * weight * from[x]
            }
          }
        }
      }
    }
  }
}
