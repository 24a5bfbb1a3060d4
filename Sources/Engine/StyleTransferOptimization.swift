// One optimisation of style transfer at one image size: the objective (the weighted losses of
// the pixels and their gradient), the optimiser that minimises it, and the result.

extension StyleTransfer {
  /// One optimisation at the content's own size, from the preprocessed point `start`; with
  /// `inPyramid` (and a `pyramidWeight` above 0) over the levels of an `ImagePyramid` of the
  /// image rather than its pixels.
  func optimize(
    _ content: Image, from start: Tensor, temporal: [TemporalTarget], iterations: Int,
    inPyramid: Bool = false, progress: (Progress) -> Void
  ) -> (result: Result, point: Tensor) {
    let (width, height) = (content.width, content.height)
    var objective = objective(for: content, temporal: temporal)
    let evaluate = { (x: [Float], gradient: inout [Float]) -> Float in
      objective.evaluate(x, gradient: &gradient)
    }
    let report = { (iteration: Int, _: Float) in
      let point = objective.lastPoint
      progress(
        Progress(
          iteration: iteration, iterations: iterations, scale: 1, scales: 1,
          losses: objective.losses,
          currentImage: {
            self.finish(Tensor(shape: [3, height, width], scalars: point), content: content)
          }))
    }
    var x = start.scalars
    guard inPyramid && configuration.pyramidWeight > 0 else {
      let outcome = minimize(&x, iterations: iterations, objective: evaluate, onIteration: report)
      return result(of: outcome, at: x, objective: objective, content: content)
    }
    let pyramid = ImagePyramid(
      channels: 3, height: height, width: width, weight: configuration.pyramidWeight)
    var levels = pyramid.levels(of: x)
    var imageGradient = x
    let outcome = minimize(
      &levels, iterations: iterations,
      maximumStep: ImagePyramid.largestStep,
      objective: { levels, gradient in
        pyramid.image(of: levels, into: &x)
        let loss = evaluate(x, &imageGradient)
        pyramid.gradient(ofImageGradient: imageGradient, into: &gradient)
        return loss
      }, onIteration: report)
    pyramid.image(of: levels, into: &x)
    return result(of: outcome, at: x, objective: objective, content: content)
  }

  /// The objective of an optimisation at the content's size: style and content losses towards
  /// the targets of this size, total variation, and one temporal term per earlier frame.
  private func objective(for content: Image, temporal: [TemporalTarget]) -> Objective {
    let (width, height) = (content.width, content.height)
    let contentTargets = network.forward(
      content.preprocessed(), capturing: Set(configuration.contentLayers))
    let featureLosses = FeatureLosses(
      style: styleLossesFor(content),
      content: contentTargets.mapValues {
        ContentLoss(target: $0, weight: configuration.contentWeight)
      })
    let temporalLosses = temporal.map {
      TemporalLoss(
        warped: $0.warped.preprocessed(), mask: Tensor(shape: [height, width], scalars: $0.weights),
        weight: configuration.temporalWeight)
    }
    return Objective(
      network: network, featureLosses: featureLosses,
      totalVariation: TotalVariation(weight: configuration.totalVariationWeight),
      temporalLosses: temporalLosses, shape: [3, height, width])
  }

  /// Runs the configured optimiser from `x` for at most `iterations` evaluations of
  /// `objective`, with the configuration's early stop, L-BFGS's steps no longer than
  /// `maximumStep` in any element; leaves the final iterate in `x`.
  private func minimize(
    _ x: inout [Float], iterations: Int, maximumStep: Float = .infinity,
    objective: (_ x: [Float], _ gradient: inout [Float]) -> Float,
    onIteration: (_ iteration: Int, _ loss: Float) -> Void
  ) -> OptimizationResult {
    var termination = Termination(
      maxIterations: iterations, relativeTolerance: configuration.tolerance,
      interval: configuration.toleranceInterval)
    // Style transfer's loss stays far from 0, so a tenfold rise is an overshoot, not noise.
    termination.divergenceFactor = 10
    switch configuration.optimizer {
    case .lbfgs:
      var optimizer = LBFGS(
        historySize: configuration.historySize, learningRate: configuration.learningRate)
      optimizer.maximumStep = maximumStep
      return optimizer.minimize(
        &x, termination: termination, objective: objective, onIteration: onIteration,
        shouldStop: shouldStop)
    case .adam:
      var optimizer = Adam(learningRate: configuration.learningRate)
      return optimizer.minimize(
        &x, termination: termination, objective: objective, onIteration: onIteration,
        shouldStop: shouldStop)
    }
  }

  /// The result of a finished optimisation whose final iterate is `x`, and the point it keeps
  /// (preprocessed, (3, H, W)).
  private func result(
    of outcome: OptimizationResult, at x: [Float], objective: Objective, content: Image
  ) -> (result: Result, point: Tensor) {
    // The optimisers end one step past the last evaluated point; keep the evaluated one when the
    // run broke down, else the final step.
    let final = Tensor(
      shape: [3, content.height, content.width],
      scalars: outcome.reason == .nonFiniteLoss ? objective.lastPoint : x)
    let result = Result(
      image: finish(final, content: content), iterations: outcome.iterations,
      converged: outcome.reason == .converged, stopped: outcome.reason == .stopped,
      // A diverged last step was undone: the losses are the best point's.
      losses: outcome.loss == objective.losses.total ? objective.losses : objective.bestLosses)
    return (result, final)
  }

  /// What one optimisation minimises: the weighted losses of an image (3, H, W), with their
  /// gradient. Keeps the last point evaluated, the losses there, and the best losses so far.
  struct Objective {
    let network: VGG19
    var featureLosses: FeatureLosses
    let totalVariation: TotalVariation
    let temporalLosses: [TemporalLoss]
    /// The image's shape, (3, H, W).
    let shape: [Int]
    /// The losses at the last point evaluated.
    private(set) var losses = Losses()
    /// The losses of the point with the lowest total so far.
    private(set) var bestLosses: Losses
    /// The last point evaluated.
    private(set) var lastPoint: [Float]
    /// Where the losses add their gradients. With `lastPoint`, a buffer every evaluation reuses:
    /// the iterations allocate nothing image-sized.
    private var imageGradient: Tensor

    init(
      network: VGG19, featureLosses: FeatureLosses, totalVariation: TotalVariation,
      temporalLosses: [TemporalLoss], shape: [Int]
    ) {
      (self.network, self.featureLosses) = (network, featureLosses)
      (self.totalVariation, self.temporalLosses, self.shape) = (
        totalVariation, temporalLosses, shape
      )
      bestLosses = Losses()
      bestLosses.style = .infinity
      lastPoint = [Float](repeating: 0, count: shape.reduce(1, *))
      imageGradient = Tensor(shape: shape)
    }

    /// The total loss at `x`; writes its gradient into `gradient` (x's size).
    mutating func evaluate(_ x: [Float], gradient: inout [Float]) -> Float {
      lastPoint.overwrite(with: x)
      let image = Tensor(shape: shape, scalars: x)
      losses = Losses()
      (losses.style, losses.content) = featureLosses.evaluate(
        image, on: network, gradient: &imageGradient)
      losses.totalVariation = totalVariation.valueAndGradient(
        image, accumulatingInto: &imageGradient)
      for temporalLoss in temporalLosses {
        losses.temporal += temporalLoss.valueAndGradient(image, accumulatingInto: &imageGradient)
      }
      if losses.total < bestLosses.total { bestLosses = losses }
      gradient.overwrite(with: imageGradient.scalars)
      return losses.total
    }
  }
}
