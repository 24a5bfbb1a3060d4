// L-BFGS: Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4 (two-loop
// recursion) and eq. 7.20 (initial Hessian gamma = s'y / y'y), driven as torch's `optim.lbfgs`
// is by neural-style: no line search, a fixed step after a scaled first one. Unlike torch, the
// pairs are stored in block floating point (`BlockQuantizedVector`), half the bytes of Float.

/// Limited-memory BFGS without line search: one objective evaluation per iteration.
///
/// Step k moves x by t * d with d = -H g from the two-loop recursion over the last `historySize`
/// pairs (s, y) = (x_k - x_{k-1}, g_k - g_{k-1}) and H_0 = (s'y / y'y) I from the newest pair.
/// The first step is t = min(1, 1 / |g|_1) * learningRate (a gradient step of at most unit
/// length in l1), later ones t = learningRate, as in torch's `optim.lbfgs` without line search.
/// The pairs are kept rounded to ~5 significant digits per block of 256 elements; rho = 1 / y's
/// and gamma come from the rounded pair, so H stays the exact BFGS matrix of the pairs it reads.
/// Pairs with y's <= 1e-10 would break positive definiteness and are skipped (torch's absolute
/// threshold; style transfer's y's is many orders of magnitude above it).
/// A step longer than `maximumStep` in any element is shortened to it (none by default).
/// Memory: 2 * historySize vectors of ~2.02 bytes an element (25 pairs at 512x288: ~45 MB).
package struct LBFGS: Optimizer {
  /// The number of (s, y) pairs kept.
  var historySize: Int
  /// The step length t after the first step.
  var learningRate: Float
  /// The largest change of any element in one step: a longer step is shortened to it.
  var maximumStep = Float.infinity

  /// One remembered pair, as stored.
  private struct Pair {
    /// s_i = x_{i+1} - x_i.
    var step = BlockQuantizedVector()
    /// y_i = g_{i+1} - g_i.
    var gradientChange = BlockQuantizedVector()
    /// rho_i = 1 / (y_i' s_i).
    var curvature: Double = 0
  }

  /// The pairs, oldest first.
  private var history: [Pair] = []
  /// Storage for the next pair: a skipped pair and the oldest one of a full history land here,
  /// so that steps allocate nothing once the history is full.
  private var sparePair: Pair?
  /// gamma = s'y / y'y of the newest accepted pair; the initial inverse Hessian is gamma I.
  private var hessianScale: Double = 1
  /// The gradient at the previous iterate.
  private var previousGradient: [Float] = []
  /// The last step t d, which becomes s once the next gradient is known.
  private var previousStep: [Float] = []
  /// Scratch: the direction d.
  private var direction: [Float] = []
  /// Scratch: y = g - previous g, then y as stored.
  private var gradientChange: [Float] = []
  /// Scratch: the alphas of the first loop, oldest first.
  private var alphas: [Double] = []

  /// Creates the optimiser; torch's and neural-style's defaults are 100 pairs and step 1.
  package init(historySize: Int = 100, learningRate: Float = 1) {
    precondition(historySize > 0, "L-BFGS needs a history of at least one pair")
    self.historySize = historySize
    self.learningRate = learningRate
  }

  /// Forgets the history, so the next step is the scaled gradient step again.
  mutating func reset() {
    history = []
    sparePair = nil
    hessianScale = 1
    previousGradient = []
    previousStep = []
  }

  /// The bytes one stored pair holds for `count` elements.
  package static func bytesPerPair(count: Int) -> Int {
    2 * BlockQuantizedVector([Float](repeating: 0, count: count)).byteCount
  }

  /// One L-BFGS step of `x` from the gradient at `x`.
  package mutating func step(_ x: inout [Float], gradient: [Float]) {
    precondition(gradient.count == x.count, "gradient has the wrong length")
    let count = x.count
    let isFirst = previousGradient.count != count
    if isFirst {
      reset()
      previousStep = [Float](repeating: 0, count: count)
      direction = [Float](repeating: 0, count: count)
      gradientChange = [Float](repeating: 0, count: count)
    } else {
      remember(gradient)
    }
    computeDirection(gradient)
    // t = min(1, 1/|g|_1) * lr on the first step, lr afterwards
    var t = learningRate
    if isFirst {
      let l1 = gradient.reduce(0) { $0 + Double(abs($1)) }
      t = Float(min(1, 1 / l1)) * learningRate
    }
    if maximumStep.isFinite {
      let largest = direction.reduce(0) { max($0, abs($1)) }
      if t * largest > maximumStep { t = maximumStep / largest }  // NaN stays: the loop stops
    }
    x.withUnsafeMutableBufferPointer { x in
      previousStep.withUnsafeMutableBufferPointer { s in
        direction.withUnsafeBufferPointer { d in
          parallelChunks(0..<count, minimumChunk: elementsPerChunk) { elements in
            for i in elements {
              s[i] = t * d[i]
              x[i] += s[i]
            }
          }
        }
      }
    }
    // A copy, not a reference: the caller's gradient buffer must stay uniquely its own.
    if previousGradient.count != count { previousGradient = [Float](repeating: 0, count: count) }
    previousGradient.overwrite(with: gradient)
  }

  /// Adds the pair (s, y) = (previous step, g - previous g) to the history if y's > 1e-10.
  ///
  /// rho and gamma are computed from the pair as stored, which the recursion will read.
  private mutating func remember(_ gradient: [Float]) {
    let count = gradient.count
    gradient.withUnsafeBufferPointer { g in
      previousGradient.withUnsafeBufferPointer { previous in
        gradientChange.withUnsafeMutableBufferPointer { y in
          parallelChunks(0..<count, minimumChunk: elementsPerChunk) { elements in
            for i in elements { y[i] = g[i] - previous[i] }
          }
        }
      }
    }
    var pair = sparePair ?? Pair()
    sparePair = nil  // the pair's storage must have one owner, or writing it would copy
    pair.step.overwrite(with: previousStep)
    pair.gradientChange.overwrite(with: gradientChange)
    pair.gradientChange.dequantize(into: &gradientChange)
    let ys = pair.step.dot(with: gradientChange)
    guard ys > 1e-10 else {
      sparePair = pair
      return
    }
    hessianScale = ys / pair.gradientChange.dot(with: gradientChange)
    pair.curvature = 1 / ys
    while history.count >= historySize { sparePair = history.removeFirst() }
    history.append(pair)
  }

  /// direction = -H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4).
  private mutating func computeDirection(_ gradient: [Float]) {
    if alphas.count < history.count { alphas = [Double](repeating: 0, count: historySize) }
    Self.twoLoopRecursion(
      gradient: gradient, history: history, hessianScale: hessianScale, direction: &direction,
      alphas: &alphas)
  }

  /// The two loops, each pass over `direction` doing one pair's update and the next pair's dot
  /// product together, block by block over the cores: the direction is read once per pair and
  /// loop, and every sum is added in block order (`blockwiseSum`), the same bits every run.
  private static func twoLoopRecursion(
    gradient: [Float], history: [Pair], hessianScale: Double, direction: inout [Float],
    alphas: inout [Double]
  ) {
    let count = gradient.count
    let blockCount = BlockQuantizedVector.blockCount(for: count)
    let gamma = Float(hessianScale)
    direction.withUnsafeMutableBufferPointer { d in
      gradient.withUnsafeBufferPointer { g in
        /// Runs `update(block)` on each block of d, then returns vector'd (0 without a vector).
        func pass(dotWith vector: BlockQuantizedVector?, _ update: (_ block: Int) -> Void) -> Double
        {
          blockwiseSum(blockCount: blockCount) { block in
            update(block)
            return vector?.dot(with: UnsafeBufferPointer(d), block: block) ?? 0
          }
        }
        func elements(_ block: Int) -> Range<Int> {
          BlockQuantizedVector.elements(ofBlock: block, count: count)
        }
        // q = -g; for i newest → oldest: alpha_i = rho_i s_i'q, q -= alpha_i y_i
        var product = pass(dotWith: history.last?.step) { block in
          for i in elements(block) { d[i] = -g[i] }
        }
        for i in history.indices.reversed() {
          let alpha = history[i].curvature * product
          alphas[i] = alpha
          product = pass(dotWith: i > 0 ? history[i - 1].step : nil) { block in
            history[i].gradientChange.addScaled(-alpha, into: d, block: block)
          }
        }
        // r = gamma q; for i oldest → newest: beta_i = rho_i y_i'r, r += (alpha_i - beta_i) s_i
        product = pass(dotWith: history.first?.gradientChange) { block in
          for i in elements(block) { d[i] *= gamma }
        }
        for i in history.indices {
          let coefficient = alphas[i] - history[i].curvature * product
          product = pass(dotWith: i + 1 < history.count ? history[i + 1].gradientChange : nil) {
            block in history[i].step.addScaled(coefficient, into: d, block: block)
          }
        }
      }
    }
  }
}

/// The fewest elements worth a chunk of their own in the element-wise loops.
private let elementsPerChunk = 1 << 14
