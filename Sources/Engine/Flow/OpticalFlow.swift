import Foundation

/// Dense optical flow between two frames by coarse-to-fine TV-L1.
///
/// Minimises sum |I1(x + w) - I0(x)| + lambda^-1 TV(w) with the primal-dual scheme of Zach,
/// Pock & Bischof 2007, linearised around the current flow and re-warped several times per
/// pyramid level, with a median filter of the flow after each warp (Wedel et al. 2009;
/// Sánchez et al., IPOL 2013). Differs from IPOL: a fixed iteration count per warp instead of a
/// tolerance; pixels whose match lies outside the second frame get no data term (the regulariser
/// fills them in); each warp matches the second frame's gain and offset to the first; and
/// before each level's warps, pixels near motion boundaries take a neighbour's flow when it
/// matches their 3x3 patch better (`selectNeighbourFlows`), which sharpens motion boundaries.
public struct OpticalFlow: Sendable {
  /// Solver parameters; the defaults suit frames of a few hundred pixels a side.
  struct Configuration: Sendable, Equatable {
    /// Weight of the data term (lambda), for frames standardised to 128 +- 50; lower is smoother.
    var dataWeight: Float = 0.15
    /// Coupling between the data and smoothness sub-problems (theta).
    var coupling: Float = 0.3
    /// Step of the dual update (tau); at most 0.25 for convergence.
    var timeStep: Float = 0.25
    /// Size ratio between consecutive pyramid levels, in (0, 1).
    var scaleFactor: Float = 0.7
    /// The coarsest level is the last whose shorter side is at least this many pixels.
    var coarsestSide: Int = 16
    /// Linearisations (warps) per pyramid level.
    var warps: Int = 3
    /// Primal-dual iterations per warp.
    var iterations: Int = 20
    /// Radius of the median filter applied to the flow after each warp; 0 disables it.
    var medianRadius: Int = 1
    /// Gaussian pre-smoothing of the finest level, in pixels.
    var presmoothing: Float = 0.5

    /// Whether each warp matches the warped second frame's mean and spread to the first's
    /// (a global gain and offset), so exposure changes between the frames do not read as motion.
    var compensatesBrightness = true

    /// Distance to the neighbours whose flows are tried before each level's warps; 0 disables.
    var neighbourReach: Int = 3

    /// Creates the default configuration.
    init() {}
  }

  /// The parameters every call uses.
  var configuration: Configuration

  /// Creates a flow estimator with the default parameters.
  public init() { self.init(Configuration()) }

  /// Creates a flow estimator.
  init(_ configuration: Configuration) {
    precondition(
      configuration.scaleFactor > 0 && configuration.scaleFactor < 1,
      "OpticalFlow: scaleFactor must be in (0, 1)")
    self.configuration = configuration
  }

  /// The flow from `first` to `second`: pixel (x, y) of `first` is at (x + u, y + v) in `second`.
  ///
  /// Both frames are (1, H, W) grey or (3, H, W) RGB, of the same size, in any common range.
  public func flow(from first: Tensor, to second: Tensor) -> FlowField {
    precondition(
      first.shape == second.shape, "flow: frames \(first.shape) and \(second.shape) differ")
    var (i0, i1) = normalised(Plane(luma: first), Plane(luma: second))
    if configuration.presmoothing > 0 {
      i0 = gaussianBlur(i0, sigma: configuration.presmoothing)
      i1 = gaussianBlur(i1, sigma: configuration.presmoothing)
    }
    let firstLevels = pyramid(i0)
    let secondLevels = pyramid(i1)
    let coarsest = firstLevels[firstLevels.count - 1]
    var u = Plane(width: coarsest.width, height: coarsest.height)
    var v = u
    for level in stride(from: firstLevels.count - 1, through: 0, by: -1) {
      let target = firstLevels[level]
      if target.width != u.width || target.height != u.height {
        let ratioX = Float(target.width) / Float(u.width)
        let ratioY = Float(target.height) / Float(u.height)
        u = resized(u, width: target.width, height: target.height)
        v = resized(v, width: target.width, height: target.height)
        u.values = u.values.map { $0 * ratioX }
        v.values = v.values.map { $0 * ratioY }
      }
      if configuration.neighbourReach > 0 {
        selectNeighbourFlows(
          from: target, to: secondLevels[level], u: &u, v: &v, reach: configuration.neighbourReach)
      }
      refine(from: target, to: secondLevels[level], u: &u, v: &v)
    }
    return FlowField(width: u.width, height: u.height, u: u.values, v: v.values)
  }

  /// The flows from `first` to `second` (forward) and from `second` to `first` (backward), each
  /// exactly what `flow(from:to:)` returns.
  ///
  /// The two run side by side, one per core, each solver's steps serial on its thread: no
  /// waiting at the end of every step for the slower half of the rows, and the solver's serial
  /// parts (normalisation, brightness matching) overlap.
  func flowsBothWays(between first: Tensor, and second: Tensor)
    -> (forward: FlowField, backward: FlowField)
  {
    var fields: [FlowField?] = [nil, nil]
    fields.withUnsafeMutableBufferPointer { fields in
      parallelChunks(0..<2) { directions in
        for direction in directions {
          fields[direction] =
            direction == 0 ? flow(from: first, to: second) : flow(from: second, to: first)
        }
      }
    }
    guard let forward = fields[0], let backward = fields[1] else {
      preconditionFailure("both flows are computed")
    }
    return (forward, backward)
  }

  /// Both frames mapped by one affine map to mean 128 and standard deviation 50, the spread of a
  /// typical 0...255 image, so `dataWeight` does not depend on the input range.
  private func normalised(_ a: Plane, _ b: Plane) -> (Plane, Plane) {
    let count = Double(max(a.values.count + b.values.count, 1))
    let sum = a.values.reduce(0.0) { $0 + Double($1) } + b.values.reduce(0.0) { $0 + Double($1) }
    let mean = sum / count
    let squares =
      a.values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
      + b.values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
    let deviation = (squares / count).squareRoot()
    let scale = Float(deviation > 1e-9 ? 50 / deviation : 1)
    let shift = Float(mean)
    var (a, b) = (a, b)
    a.values = a.values.map { 128 + ($0 - shift) * scale }
    b.values = b.values.map { 128 + ($0 - shift) * scale }
    return (a, b)
  }

  /// Finest first; each level is blurred (sigma 0.6 sqrt(1/f^2 - 1), as IPOL) and resampled by f.
  private func pyramid(_ finest: Plane) -> [Plane] {
    let factor = configuration.scaleFactor
    let sigma = 0.6 * (1 / (factor * factor) - 1).squareRoot()
    var levels = [finest]
    while true {
      let last = levels[levels.count - 1]
      let width = Int((Float(last.width) * factor).rounded())
      let height = Int((Float(last.height) * factor).rounded())
      guard min(width, height) >= configuration.coarsestSide else { break }
      levels.append(resized(gaussianBlur(last, sigma: sigma), width: width, height: height))
    }
    return levels
  }
}
