// L-BFGS: Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4 (two-loop
// recursion) and eq. 7.20 (initial Hessian gamma = s'y / y'y), driven as torch's `optim.lbfgs`
// is by neural-style: no line search, a fixed step after a scaled first one.

/// Limited-memory BFGS without line search: one objective evaluation per iteration.
///
/// Step k moves x by t * d with d = -H g from the two-loop recursion over the last `historySize`
/// pairs (s, y) = (x_k - x_{k-1}, g_k - g_{k-1}) and H_0 = (s'y / y'y) I from the newest pair.
/// The first step is t = min(1, 1 / |g|_1) * learningRate (a gradient step of at most unit
/// length in l1), later ones t = learningRate, as in torch's `optim.lbfgs` without line search.
/// Pairs with y's <= 1e-10 would break positive definiteness and are skipped.
/// Memory: 2 * historySize vectors the size of x (100 pairs of a 450x350 image: ~380 MB).
struct LBFGS: Optimizer {
  /// The number of (s, y) pairs kept.
  var historySize: Int
  /// The step length t after the first step.
  var learningRate: Float

  /// The steps s_i, oldest first, each the size of x; recycled once the history is full.
  private var steps: [[Float]] = []
  /// y_i, oldest first.
  private var gradientChanges: [[Float]] = []
  /// 1 / (y_i' s_i).
  private var curvatures: [Double] = []
  /// gamma = s'y / y'y of the newest accepted pair; the initial inverse Hessian is gamma I.
  private var hessianScale: Double = 1
  /// The gradient at the previous iterate.
  private var previousGradient: [Float] = []
  /// The last step t d, which becomes s once the next gradient is known.
  private var previousStep: [Float] = []
  /// Scratch: the direction d.
  private var direction: [Float] = []
  /// Scratch: the alphas of the first loop, newest last.
  private var alphas: [Double] = []
  /// A buffer for the next y (a recycled one once the history is full).
  private var spareBuffer: [Float] = []

  /// Creates the optimiser; torch's and neural-style's defaults are 100 pairs and step 1.
  init(historySize: Int = 100, learningRate: Float = 1) {
    precondition(historySize > 0, "L-BFGS needs a history of at least one pair")
    self.historySize = historySize
    self.learningRate = learningRate
  }

  /// Forgets the history, so the next step is the scaled gradient step again.
  mutating func reset() {
    steps = []
    gradientChanges = []
    curvatures = []
    hessianScale = 1
    previousGradient = []
    previousStep = []
  }

  /// One L-BFGS step of `x` from the gradient at `x`.
  mutating func step(_ x: inout [Float], gradient: [Float]) {
    precondition(gradient.count == x.count, "gradient has the wrong length")
    let isFirst = previousGradient.count != x.count
    if isFirst {
      reset()
      previousStep = [Float](repeating: 0, count: x.count)
      direction = [Float](repeating: 0, count: x.count)
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
    for i in 0..<x.count {
      previousStep[i] = t * direction[i]
      x[i] += previousStep[i]
    }
    previousGradient = gradient
  }

  /// Adds the pair (s, y) = (previous step, g - previous g) to the history if y's > 1e-10.
  ///
  /// Once the history is full the oldest pair's buffers are recycled, so steps allocate nothing.
  private mutating func remember(_ gradient: [Float]) {
    var y = spareBuffer
    spareBuffer = []  // y must be the buffer's only owner, or writing it would copy
    if y.count != gradient.count { y = [Float](repeating: 0, count: gradient.count) }
    for i in 0..<gradient.count { y[i] = gradient[i] - previousGradient[i] }
    let ys = dot(y, previousStep)
    guard ys > 1e-10 else {
      spareBuffer = y
      return
    }
    var recycled: [Float] = []
    if steps.count == historySize {
      spareBuffer = gradientChanges.removeFirst()
      recycled = steps.removeFirst()
      curvatures.removeFirst()
    }
    hessianScale = ys / dot(y, y)
    gradientChanges.append(y)
    curvatures.append(1 / ys)
    // s is the previous step itself; its buffer is handed over, the next step fills `recycled`.
    steps.append(previousStep)
    previousStep =
      recycled.count == gradient.count
      ? recycled : [Float](repeating: 0, count: gradient.count)
  }

  /// direction = -H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4).
  private mutating func computeDirection(_ gradient: [Float]) {
    let count = gradient.count
    // q = -g; for i newest → oldest: alpha_i = rho_i s_i'q, q -= alpha_i y_i
    for i in 0..<count { direction[i] = -gradient[i] }
    alphas = [Double](repeating: 0, count: steps.count)
    for i in steps.indices.reversed() {
      alphas[i] = curvatures[i] * dot(steps[i], direction)
      axpy(Float(-alphas[i]), gradientChanges[i], &direction)
    }
    // r = gamma q; for i oldest → newest: beta = rho_i y_i'r, r += (alpha_i - beta) s_i
    let gamma = Float(hessianScale)
    for i in 0..<count { direction[i] *= gamma }
    for i in steps.indices {
      let beta = curvatures[i] * dot(gradientChanges[i], direction)
      axpy(Float(alphas[i] - beta), steps[i], &direction)
    }
  }
}

/// a'b, accumulated in Double.
private func dot(_ a: [Float], _ b: [Float]) -> Double {
  a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      var sum: Double = 0
      for i in 0..<a.count { sum += Double(a[i]) * Double(b[i]) }
      return sum
    }
  }
}

/// y += alpha x.
private func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
  x.withUnsafeBufferPointer { x in
    y.withUnsafeMutableBufferPointer { y in
      for i in 0..<x.count { y[i] += alpha * x[i] }
    }
  }
}
