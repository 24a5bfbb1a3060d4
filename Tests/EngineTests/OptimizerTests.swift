import Testing

@testable import Engine

/// L-BFGS and Adam on functions with known minima, the first L-BFGS step, and the stopping rules.
@Suite struct OptimizerTests {
  /// f(x) = 1/2 (x - c)' Q (x - c) with Q symmetric positive definite (eigenvalues 1 to ~40);
  /// the minimum is x = c with f = 0.
  static let q: [Float] = [
    10, 2, 0, 1,
    2, 5, 1, 0,
    0, 1, 1.5, 0.2,
    1, 0, 0.2, 40,
  ]
  static let minimum: [Float] = [3, -1, 2, 0.5]

  static func quadratic(_ x: [Float]) -> (loss: Float, gradient: [Float]) {
    let d = zip(x, minimum).map { $0 - $1 }
    let gradient = (0..<4).map { i in (0..<4).reduce(Float(0)) { $0 + q[4 * i + $1] * d[$1] } }
    return (0.5 * zip(d, gradient).reduce(0) { $0 + $1.0 * $1.1 }, gradient)
  }

  /// Rosenbrock's function (1 - a)^2 + 100 (b - a^2)^2, minimum 0 at (1, 1); computed in Double.
  static func rosenbrock(_ x: [Float]) -> (loss: Float, gradient: [Float]) {
    let (a, b) = (Double(x[0]), Double(x[1]))
    let loss = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
    let da = -2 * (1 - a) - 400 * a * (b - a * a)
    let db = 200 * (b - a * a)
    return (Float(loss), [Float(da), Float(db)])
  }

  static func distance(_ x: [Float], _ y: [Float]) -> Float {
    zip(x, y).map { abs($0 - $1) }.max() ?? 0
  }

  @Test func lbfgsFindsTheMinimumOfAQuadratic() {
    var optimizer = LBFGS(historySize: 5)
    var x: [Float] = [0, 0, 0, 0]
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 50, relativeTolerance: 0),
      objective: Self.quadratic)
    #expect(Self.distance(x, Self.minimum) < 1e-4, "L-BFGS ended at \(x)")
    #expect(result.reason == .iterationLimit && result.iterations == 50)
  }

  @Test(arguments: [1, 3, 100])
  func lbfgsReachesTheRosenbrockMinimum(historySize: Int) {
    var optimizer = LBFGS(historySize: historySize)
    var x: [Float] = [-1.2, 1]
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 500, relativeTolerance: 0),
      objective: Self.rosenbrock)
    #expect(Self.distance(x, [1, 1]) < 1e-3, "L-BFGS ended at \(x), loss \(result.loss)")
  }

  @Test func lbfgsWithAShortHistorySolvesAnIllConditionedQuadratic() {
    // f(x) = 1/2 sum_i a_i (x_i - i/10)^2, a_i from 1 to 100 in 60 dimensions: the history is
    // recycled many times before the minimum x_i = i/10 is reached.
    let n = 60
    let curvature = (0..<n).map { 1 + 99 * Float($0) / Float(n - 1) }
    let minimum = (0..<n).map { Float($0) / 10 }
    var optimizer = LBFGS(historySize: 4)
    var x = [Float](repeating: 0, count: n)
    _ = optimizer.minimize(
      &x, termination: Termination(maxIterations: 400, relativeTolerance: 0),
      objective: { x in
        let d = zip(x, minimum).map { $0 - $1 }
        let gradient = zip(curvature, d).map { $0 * $1 }
        return (0.5 * zip(d, gradient).reduce(0) { $0 + $1.0 * $1.1 }, gradient)
      })
    #expect(Self.distance(x, minimum) < 1e-3, "largest error \(Self.distance(x, minimum))")
  }

  @Test func lbfgsFirstStepIsTheGradientScaledByItsL1Norm() {
    // torch's optim.lbfgs: t = min(1, 1/|g|_1) * lr on the first iteration, d = -g.
    var optimizer = LBFGS(learningRate: 0.5)
    var x = [Float](repeating: 0, count: 4)
    let g = Self.quadratic(x).gradient
    optimizer.step(&x, gradient: g)
    let t = min(1, 1 / g.map(abs).reduce(0, +)) * 0.5
    #expect(Self.distance(x, g.map { -t * $0 }) < 1e-6)
  }

  @Test func lbfgsSecondStepOnAParabolaLandsOnItsMinimum() {
    // f = 3/2 (x - 2)^2: after one step the pair (s, y) has y = 3 s, so H = s'y/y'y = 1/3 is the
    // exact inverse curvature and the Newton step x - g/3 reaches x = 2.
    var optimizer = LBFGS()
    var x: [Float] = [10]
    optimizer.step(&x, gradient: [3 * (x[0] - 2)])
    #expect(abs(x[0] - 9) < 1e-6)  // t = min(1, 1/24) = 1/24, x = 10 - 24/24
    optimizer.step(&x, gradient: [3 * (x[0] - 2)])
    #expect(abs(x[0] - 2) < 1e-5, "second step ended at \(x[0])")
  }

  @Test func adamFindsTheMinimumOfAQuadratic() {
    var optimizer = Adam(learningRate: 0.05)
    var x: [Float] = [0, 0, 0, 0]
    _ = optimizer.minimize(
      &x, termination: Termination(maxIterations: 3000, relativeTolerance: 0),
      objective: Self.quadratic)
    #expect(Self.distance(x, Self.minimum) < 1e-3, "Adam ended at \(x)")
  }

  @Test func adamGetsCloseToTheRosenbrockMinimum() {
    var optimizer = Adam(learningRate: 0.01)
    var x: [Float] = [-1.2, 1]
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 20000, relativeTolerance: 0),
      objective: Self.rosenbrock)
    #expect(Self.distance(x, [1, 1]) < 1e-3, "Adam ended at \(x), loss \(result.loss)")
  }

  @Test func adamFirstStepHasLengthLearningRateInEachCoordinate() {
    // Kingma & Ba: with bias correction the first update is lr * g / (|g| + eps) per coordinate.
    var optimizer = Adam(learningRate: 0.1)
    var x: [Float] = [1, -2, 0.5]
    optimizer.step(&x, gradient: [4, -0.01, 0])
    #expect(Self.distance(x, [0.9, -1.9, 0.5]) < 1e-5, "after one step \(x)")
  }

  @Test func earlyStopEndsAFlatRunAfterOneInterval() {
    // Adam with a tiny rate barely moves: the loss changes far less than 1e-4 over 10 iterations.
    var optimizer = Adam(learningRate: 1e-6)
    var x: [Float] = [0, 0, 0, 0]
    var reported: [Int] = []
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 1000, relativeTolerance: 1e-4, interval: 10),
      objective: Self.quadratic, onIteration: { iteration, _ in reported.append(iteration) })
    #expect(result.reason == .converged)
    #expect(result.iterations == 11)  // compares iteration 11 with iteration 1
    #expect(reported == Array(1...11))
  }

  @Test func earlyStopLetsAMovingRunContinue() {
    var optimizer = LBFGS()
    var x: [Float] = [-1.2, 1]
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 20, relativeTolerance: 1e-4, interval: 5),
      objective: Self.rosenbrock)
    #expect(result.reason == .iterationLimit && result.iterations == 20)
  }

  @Test func nonFiniteLossStopsWithoutStepping() {
    var optimizer = LBFGS()
    var x: [Float] = [1, 2]
    let result = optimizer.minimize(
      &x, termination: Termination(maxIterations: 10), objective: { x in (.nan, x) })
    #expect(result.reason == .nonFiniteLoss && result.iterations == 1)
    #expect(x == [1, 2])
  }

  /// Jumps to `wild` on its `jumpAt`-th step after each reset, else descends the gradient.
  struct OvershootingOptimizer: Optimizer {
    var jumpAt: Int
    var wild: Float
    var steps = 0
    var resets = 0

    mutating func reset() {
      steps = 0
      resets += 1
    }

    mutating func step(_ x: inout [Float], gradient: [Float]) {
      steps += 1
      for i in x.indices { x[i] = steps == jumpAt ? wild : x[i] - 0.1 * gradient[i] }
    }
  }

  @Test func aDivergedStepIsUndoneWhenAsked() {
    // (x - 3)^2 + 1 from 0: the fifth step jumps to 1000 (loss ~1e6, far above 10x the best).
    func parabola(_ x: [Float]) -> (loss: Float, gradient: [Float]) {
      ((x[0] - 3) * (x[0] - 3) + 1, [2 * (x[0] - 3)])
    }
    var guarded = OvershootingOptimizer(jumpAt: 5, wild: 1000)
    var termination = Termination(maxIterations: 8, relativeTolerance: 0)
    termination.divergenceFactor = 10
    var x: [Float] = [0]
    _ = guarded.minimize(&x, termination: termination, objective: parabola)
    // Steps 1-4 descend, 5 jumps, iteration 6 sees the jump and goes back to the best point
    // (after step 4) with a reset; iterations 7-8 descend from there.
    #expect(guarded.resets == 2)
    #expect(abs(x[0] - 3) < abs(0 - 3) && x[0] < 4, "ended at \(x[0])")
    var unguarded = OvershootingOptimizer(jumpAt: 5, wild: 1000)
    var y: [Float] = [0]
    _ = unguarded.minimize(
      &y, termination: Termination(maxIterations: 8, relativeTolerance: 0), objective: parabola)
    #expect(unguarded.resets == 1 && y[0] > 500, "without the guard the jump stands: \(y[0])")
  }

  @Test func runsAreDeterministicAndReusable() {
    var optimizer = LBFGS(historySize: 3)
    var first: [Float] = [-1.2, 1]
    var second: [Float] = [-1.2, 1]
    var losses: ([Float], [Float]) = ([], [])
    _ = optimizer.minimize(
      &first, termination: Termination(maxIterations: 40, relativeTolerance: 0),
      objective: Self.rosenbrock, onIteration: { losses.0.append($1) })
    _ = optimizer.minimize(
      &second, termination: Termination(maxIterations: 40, relativeTolerance: 0),
      objective: Self.rosenbrock, onIteration: { losses.1.append($1) })
    #expect(first == second)
    #expect(losses.0 == losses.1)
  }
}
