/// The temporal error E_Ruder of one frame: (1/(3HW)) sum c (x_t - warp(x_{t-1}))^2.
///
/// From Ruder, Dosovitskiy & Brox 2016.
/// - Parameters:
///   - current: x_t, (3, H, W) RGB on [0, 1].
///   - previous: x_{t-1}, (3, H, W) RGB on [0, 1].
///   - flow: from frame t to frame t-1 (the backward flow), computed on the original frames.
///   - weights: c, (H, W), e.g. `consistencyWeights(flow:reverse:)`.
/// The denominator counts every value, masked or not; average over frames 2...T.
func ruderError(current: Tensor, previous: Tensor, flow: FlowField, weights: [Float])
  -> Float
{
  precondition(current.shape == previous.shape, "ruderError: frame shapes differ")
  precondition(
    weights.count == flow.width * flow.height, "ruderError: weights do not match the flow")
  var sum = 0.0
  forEachDifference(current, warp(previous, by: flow).image) { pixel, difference in
    sum += Double(weights[pixel]) * difference * difference
  }
  return Float(sum / Double(current.count))
}

/// The warping error E_warp of one frame: sum M (x_t - warp(x_{t+1}))^2 / sum M.
///
/// From Lai et al. 2018.
/// - Parameters:
///   - current: x_t, (3, H, W) RGB on [0, 1].
///   - next: x_{t+1}, (3, H, W) RGB on [0, 1].
///   - flow: from frame t to frame t+1, computed on the original frames.
///   - occluded: (H, W), e.g. `occlusionMask(flow:reverse:)`; M = 1 - occluded.
/// As in Lai et al., the squared difference is summed over channels and the sum of M counts
/// pixels, so the value is a mean over non-occluded pixels of |x_t - warp(x_{t+1})|^2 in RGB;
/// 0 if every pixel is occluded.
func warpingError(current: Tensor, next: Tensor, flow: FlowField, occluded: [Bool]) -> Float
{
  precondition(current.shape == next.shape, "warpingError: frame shapes differ")
  precondition(
    occluded.count == flow.width * flow.height, "warpingError: mask does not match the flow")
  var sum = 0.0
  forEachDifference(current, warp(next, by: flow).image) { pixel, difference in
    if !occluded[pixel] { sum += difference * difference }
  }
  let visible = occluded.filter { !$0 }.count
  return visible == 0 ? 0 : Float(sum / Double(visible))
}

/// Calls `body(pixel, a - b)` for each value of `a` and `b`, (C, H, W) alike, in order: `pixel`
/// is the value's index within its channel, the difference in Double.
private func forEachDifference(_ a: Tensor, _ b: Tensor, _ body: (Int, Double) -> Void) {
  let plane = a.shape[1] * a.shape[2]
  for index in 0..<a.count {
    body(index % plane, Double(a.scalars[index] - b.scalars[index]))
  }
}
