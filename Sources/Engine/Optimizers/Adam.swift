// Adam: Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization" (ICLR), Algorithm 1.

import Foundation

/// Adam with bias correction, exactly as Algorithm 1 of the paper (epsilon added to sqrt(v-hat)).
///
/// The low-memory alternative to L-BFGS: two extra vectors the size of x. On the 0-255 pixel
/// scale learning rates of 1 to 10 are typical for style transfer.
struct Adam: Optimizer {
  /// The step size alpha.
  var learningRate: Float
  /// The decay of the first-moment average.
  var beta1: Float
  /// The decay of the second-moment average.
  var beta2: Float
  /// Added to sqrt(v-hat) so flat directions do not divide by zero.
  var epsilon: Float

  /// The first-moment (mean) estimate of the gradient, the size of x.
  private var m: [Float] = []
  /// The second-moment (uncentred variance) estimate, the size of x.
  private var v: [Float] = []
  /// The number of steps taken, for the bias corrections 1 - beta^t.
  private var t = 0

  /// Creates the optimiser with the paper's default decay rates.
  init(learningRate: Float = 1, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// Forgets the moment estimates and the step count.
  mutating func reset() {
    m = []
    v = []
    t = 0
  }

  /// One Adam update of `x` from the gradient at `x`.
  mutating func step(_ x: inout [Float], gradient g: [Float]) {
    precondition(g.count == x.count, "gradient has the wrong length")
    if m.count != x.count {
      m = [Float](repeating: 0, count: x.count)
      v = [Float](repeating: 0, count: x.count)
      t = 0
    }
    t += 1
    let correction1 = 1 - pow(beta1, Float(t))
    let correction2 = 1 - pow(beta2, Float(t))
    let (beta1, beta2, rate, epsilon) = (beta1, beta2, learningRate, epsilon)
    m.withUnsafeMutableBufferPointer { m in
      v.withUnsafeMutableBufferPointer { v in
        for i in 0..<x.count {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i]
          v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
          x[i] -= rate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
        }
      }
    }
  }
}
