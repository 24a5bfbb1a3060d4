import Foundation
import Testing

@testable import Engine

/// L-BFGS written plainly in Double, with the same driving rules as `LBFGS` (Nocedal & Wright
/// Algorithm 7.4, gamma from the newest pair, torch's first step, pairs with y's <= 1e-10
/// skipped): the reference the compact, parallel `LBFGS` is checked against.
struct ReferenceLBFGS {
  var historySize: Int
  /// Round s and y as `LBFGS` stores them (to check that rounding is all that differs).
  var roundsPairs = false
  var pairs: [(s: [Double], y: [Double])] = []
  var previous: (x: [Double], gradient: [Double])?

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
  }

  /// `vector` as `BlockQuantizedVector` stores it.
  static func rounded(_ vector: [Double]) -> [Double] {
    var stored = [Float](repeating: 0, count: vector.count)
    BlockQuantizedVector(vector.map { Float($0) }).dequantize(into: &stored)
    return stored.map { Double($0) }
  }

  /// The step t d to take from `x`, after learning (x - previous x, g - previous g).
  mutating func step(at x: [Double], gradient g: [Double]) -> [Double] {
    var t = 1.0
    if let previous {
      var s = zip(x, previous.x).map { $0 - $1 }
      var y = zip(g, previous.gradient).map { $0 - $1 }
      if roundsPairs { (s, y) = (Self.rounded(s), Self.rounded(y)) }
      if Self.dot(y, s) > 1e-10 {
        pairs.append((s, y))
        if pairs.count > historySize { pairs.removeFirst() }
      }
    } else {
      t = min(1, 1 / g.reduce(0) { $0 + abs($1) })
    }
    previous = (x, g)
    var q = g.map { -$0 }
    var alphas = [Double](repeating: 0, count: pairs.count)
    for i in pairs.indices.reversed() {
      let (s, y) = pairs[i]
      alphas[i] = Self.dot(s, q) / Self.dot(y, s)
      q = zip(q, y).map { $0 - alphas[i] * $1 }
    }
    if let (s, y) = pairs.last {
      let gamma = Self.dot(s, y) / Self.dot(y, y)
      q = q.map { gamma * $0 }
    }
    for i in pairs.indices {
      let (s, y) = pairs[i]
      let beta = Self.dot(y, q) / Self.dot(y, s)
      q = zip(q, s).map { $0 + (alphas[i] - beta) * $1 }
    }
    return q.map { t * $0 }
  }
}

/// The compact, parallel L-BFGS against the plain Double one, and its determinism.
@Suite struct LBFGSTests {
  typealias Objective = @Sendable (_ x: [Float]) -> (loss: Float, gradient: [Float])

  /// 1/2 sum_i a_i (x_i - c_i)^2 over 40000 elements (157 blocks, so every parallel path runs),
  /// a_i from 1 to 100, c_i of magnitude ~1 and ~10 in alternate blocks; the minimum is x = c.
  static let count = 40_000
  static let curvature = (0..<count).map { i -> Float in
    1 + 99 * Float((i * 7919) % count) / Float(count)
  }
  static let minimum = (0..<count).map { i -> Float in
    let magnitude: Float = i / 256 % 2 == 0 ? 1 : 10
    return magnitude * Float(sin(0.37 * Double(i)))
  }
  static let quadratic: Objective = { x in
    let d = zip(x, minimum).map { $0 - $1 }
    let gradient = zip(curvature, d).map { $0 * $1 }
    return (0.5 * zip(d, gradient).reduce(0) { $0 + $1.0 * $1.1 }, gradient)
  }

  /// Rosenbrock's function in Double, (1 - a)^2 + 100 (b - a^2)^2, minimum 0 at (1, 1).
  static let rosenbrock: Objective = { x in
    let (a, b) = (Double(x[0]), Double(x[1]))
    let loss = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
    return (Float(loss), [Float(-2 * (1 - a) - 400 * a * (b - a * a)), Float(200 * (b - a * a))])
  }

  static func norm(_ v: [Double]) -> Double { ReferenceLBFGS.dot(v, v).squareRoot() }

  /// The largest relative difference, over `steps` steps, between the step `LBFGS` takes and
  /// the step the reference computes from the same iterates and gradients.
  static func worstStepDifference(
    _ objective: Objective, from start: [Float], historySize: Int, steps: Int,
    roundsPairs: Bool = false
  ) -> Double {
    var optimizer = LBFGS(historySize: historySize)
    var reference = ReferenceLBFGS(historySize: historySize, roundsPairs: roundsPairs)
    var x = start
    var worst: Double = 0
    for _ in 0..<steps {
      let gradient = objective(x).gradient
      let expected = reference.step(
        at: x.map { Double($0) }, gradient: gradient.map { Double($0) })
      let before = x
      optimizer.step(&x, gradient: gradient)
      let taken = zip(x, before).map { Double($0) - Double($1) }
      worst = max(worst, norm(zip(taken, expected).map { $0 - $1 }) / norm(expected))
    }
    return worst
  }

  /// Runs the reference on its own, in Double, and returns where it ends.
  static func referenceMinimum(
    _ objective: Objective, from start: [Float], historySize: Int, iterations: Int
  ) -> [Float] {
    var reference = ReferenceLBFGS(historySize: historySize)
    var x = start.map { Double($0) }
    for _ in 0..<iterations {
      let gradient = objective(x.map { Float($0) }).gradient.map { Double($0) }
      x = zip(x, reference.step(at: x, gradient: gradient)).map { $0 + $1 }
    }
    return x.map { Float($0) }
  }

  @Test(arguments: [5, 100])
  func quadraticStepsMatchTheReferenceAndConverge(historySize: Int) {
    let start = [Float](repeating: 0, count: Self.count)
    let worst = Self.worstStepDifference(
      Self.quadratic, from: start, historySize: historySize, steps: 20)
    #expect(worst < 1e-3, "largest relative step difference \(worst)")
    let worstRounded = Self.worstStepDifference(
      Self.quadratic, from: start, historySize: historySize, steps: 20, roundsPairs: true)
    #expect(worstRounded < 1e-4, "with the pairs rounded alike: \(worstRounded)")
    var optimizer = LBFGS(historySize: historySize)
    var x = start
    _ = optimizer.minimize(
      &x, termination: Termination(maxIterations: 300, relativeTolerance: 0),
      objective: Self.quadratic)
    let reference = Self.referenceMinimum(
      Self.quadratic, from: start, historySize: historySize, iterations: 300)
    #expect(
      maxAbsDifference(x, Self.minimum) < 1e-3, "LBFGS off by \(maxAbsDifference(x, Self.minimum))")
    #expect(maxAbsDifference(reference, Self.minimum) < 1e-3)
  }

  @Test(arguments: [3, 100])
  func rosenbrockStepsMatchTheReferenceAndConverge(historySize: Int) {
    // Both coordinates share one block, so the smaller one of s or y is rounded to a step of the
    // larger one / 32767, and the valley's conditioning amplifies that: ~1e-5 typical, 1.2e-3
    // at worst (step 19, history 100). With the pairs rounded alike the difference is Float's.
    let worst = Self.worstStepDifference(
      Self.rosenbrock, from: [-1.2, 1], historySize: historySize, steps: 20)
    #expect(worst < 2e-3, "largest relative step difference \(worst)")
    let worstRounded = Self.worstStepDifference(
      Self.rosenbrock, from: [-1.2, 1], historySize: historySize, steps: 20, roundsPairs: true)
    #expect(worstRounded < 1e-4, "with the pairs rounded alike: \(worstRounded)")
    var optimizer = LBFGS(historySize: historySize)
    var x: [Float] = [-1.2, 1]
    _ = optimizer.minimize(
      &x, termination: Termination(maxIterations: 500, relativeTolerance: 0),
      objective: Self.rosenbrock)
    let reference = Self.referenceMinimum(
      Self.rosenbrock, from: [-1.2, 1], historySize: historySize, iterations: 500)
    #expect(maxAbsDifference(x, [1, 1]) < 1e-3, "LBFGS ended at \(x)")
    #expect(maxAbsDifference(reference, [1, 1]) < 1e-3, "the reference ended at \(reference)")
  }

  @Test func aStepLongerThanTheMaximumIsShortenedToIt() {
    // f = x'x / 2 from (1000, -500): the first step is 1 / |g|_1 of the gradient (length under
    // 1); the second, gamma = 1, would land on the minimum; capped at 10 it moves 10 along the
    // gradient's direction, and so on until the minimum is within reach.
    var optimizer = LBFGS(historySize: 5)
    optimizer.maximumStep = 10
    var x: [Float] = [1000, -500]
    var largest: Float = 0
    for _ in 0..<200 {
      let before = x
      optimizer.step(&x, gradient: x)
      largest = max(largest, zip(x, before).map { abs($0 - $1) }.max()!)
    }
    #expect(largest <= 10 * (1 + 1e-6))
    #expect(abs(x[0]) < 1e-3 && abs(x[1]) < 1e-3, "ended at \(x)")
    var uncapped = LBFGS(historySize: 5)
    var y: [Float] = [1000, -500]
    uncapped.step(&y, gradient: y)
    uncapped.step(&y, gradient: y)
    // (within the pairs' rounding, ~3e-5 of the step)
    #expect(abs(y[0]) < 0.1 && abs(y[1]) < 0.1, "the uncapped second step reaches the minimum")
  }

  @Test func twoRunsGiveBitIdenticalIterates() {
    func iterates() -> [[UInt32]] {
      var optimizer = LBFGS(historySize: 10)
      var x = [Float](repeating: 0, count: Self.count)
      var all: [[UInt32]] = []
      for _ in 0..<30 {
        optimizer.step(&x, gradient: Self.quadratic(x).gradient)
        all.append(x.map(\.bitPattern))
      }
      return all
    }
    #expect(iterates() == iterates())
  }
}
