// The minimisation loop shared by the optimisers: one objective evaluation (one forward and
// backward pass through the network) per iteration, a progress callback, and the relative-loss
// early stop of manuelruder/artistic-videos (`-tol_loss_relative`, `-tol_loss_relative_interval`).

/// A first-order method that minimises a function of a flat parameter vector.
///
/// Conformers only say how to take one step from a gradient; `minimize` runs the loop.
/// Everything is deterministic: the same start and objective give the same iterates.
protocol Optimizer {
  /// Forgets everything learned from earlier steps (history, moments, step count).
  mutating func reset()
  /// Moves `x` one step given the objective's gradient at `x`.
  mutating func step(_ x: inout [Float], gradient: [Float])
}

/// When a minimisation stops: an iteration limit, and an early stop on a flat loss.
struct Termination: Sendable, Equatable {
  /// The most objective evaluations (iterations) to run.
  var maxIterations: Int
  /// Stop once |L(i - interval) - L(i)| / |L(i - interval)| falls below this; 0 turns it off.
  var relativeTolerance: Float = 1e-4
  /// The number of iterations the relative change is measured over.
  var interval: Int = 50
  /// A loss this many times the best one so far counts as a diverged step, undone (see
  /// `minimize`); `nil` allows any rise. For losses bounded away from 0, like style transfer's.
  var divergenceFactor: Float?

  /// Creates a termination rule; the defaults are artistic-videos' (1e-4 over 50 iterations).
  init(maxIterations: Int, relativeTolerance: Float = 1e-4, interval: Int = 50) {
    precondition(maxIterations >= 0 && interval > 0, "need maxIterations >= 0 and interval > 0")
    self.maxIterations = maxIterations
    self.relativeTolerance = relativeTolerance
    self.interval = interval
  }
}

/// What a minimisation did.
struct OptimizationResult: Sendable, Equatable {
  /// Why the loop ended.
  enum StopReason: Sendable, Equatable {
    /// `maxIterations` evaluations ran.
    case iterationLimit
    /// The relative loss change over `interval` iterations fell below the tolerance.
    case converged
    /// The objective returned a loss that is NaN or infinite; `x` is the point that produced it.
    case nonFiniteLoss
    /// `shouldStop` asked for an end (e.g. the user pressed Ctrl-C); `x` is unfinished.
    case stopped
  }

  /// The number of objective evaluations.
  var iterations: Int
  /// The loss at the last evaluation (before the last step was taken).
  var loss: Float
  /// Why the loop ended.
  var reason: StopReason
}

extension Optimizer {
  /// Minimises `objective` starting from `x`, leaving the final iterate in `x`.
  ///
  /// Iteration i evaluates the objective at the current x, reports `(i, loss)` through
  /// `onIteration` (i counts from 1), then steps. As in torch's `optim.lbfgs` and neural-style,
  /// the step after the last evaluation is taken too, so `x` ends one step past the reported loss.
  /// The optimiser's state is reset first, so one value can serve several minimisations. A loss
  /// above `termination.divergenceFactor` times the best one so far sends `x` back to the best
  /// point and resets the optimiser.
  mutating func minimize(
    _ x: inout [Float],
    termination: Termination,
    objective: (_ x: [Float]) -> (loss: Float, gradient: [Float]),
    onIteration: (_ iteration: Int, _ loss: Float) -> Void = { _, _ in }
  ) -> OptimizationResult {
    minimize(
      &x, termination: termination,
      objective: { x, gradient in
        let evaluation = objective(x)
        precondition(evaluation.gradient.count == x.count, "gradient has the wrong length")
        gradient.overwrite(with: evaluation.gradient)
        return evaluation.loss
      }, onIteration: onIteration)
  }

  /// `minimize` with an objective that writes the gradient into a buffer of x's size, the same
  /// one every iteration: with optimisers that keep no reference to it (both here copy what they
  /// keep), the loop allocates nothing once their state is built. `shouldStop` is asked after
  /// each iteration; when it says yes, the loop ends at once.
  mutating func minimize(
    _ x: inout [Float],
    termination: Termination,
    objective: (_ x: [Float], _ gradient: inout [Float]) -> Float,
    onIteration: (_ iteration: Int, _ loss: Float) -> Void = { _, _ in },
    shouldStop: () -> Bool = { false }
  ) -> OptimizationResult {
    reset()
    var gradient = [Float](repeating: 0, count: x.count)
    var loss = Float.nan
    var checkpoint: (iteration: Int, loss: Float)?
    guard termination.maxIterations > 0 else {
      return OptimizationResult(iterations: 0, loss: loss, reason: .iterationLimit)
    }
    // The best point so far, for `divergenceFactor` only; one buffer, overwritten in place.
    var bestX: [Float] = []
    var bestLoss = Float.infinity
    for iteration in 1...termination.maxIterations {
      loss = objective(x, &gradient)
      onIteration(iteration, loss)
      if shouldStop() { return OptimizationResult(iterations: iteration, loss: loss, reason: .stopped) }
      guard loss.isFinite else {
        return OptimizationResult(iterations: iteration, loss: loss, reason: .nonFiniteLoss)
      }
      // Without a line search a step can overshoot far (curvature learnt from a tiny first
      // step): back to the best point so far, with a fresh history and a short first step.
      if let factor = termination.divergenceFactor {
        if loss > factor * bestLoss {
          x.overwrite(with: bestX)
          loss = bestLoss
          reset()
          continue
        }
        if loss < bestLoss {
          if bestX.count != x.count { bestX = [Float](repeating: 0, count: x.count) }
          bestX.overwrite(with: x)
          bestLoss = loss
        }
      }
      step(&x, gradient: gradient)
      if let start = checkpoint, iteration - start.iteration >= termination.interval {
        let change = abs(start.loss - loss) / max(abs(start.loss), .leastNormalMagnitude)
        if change < termination.relativeTolerance {
          return OptimizationResult(iterations: iteration, loss: loss, reason: .converged)
        }
        checkpoint = (iteration, loss)
      } else if checkpoint == nil {
        checkpoint = (iteration, loss)
      }
    }
    return OptimizationResult(
      iterations: termination.maxIterations, loss: loss, reason: .iterationLimit)
  }
}
