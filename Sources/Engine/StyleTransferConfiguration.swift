// The settings of style transfer, with the options and defaults of jcjohnson/neural-style where
// they carry over.

/// Which optimiser moves the pixels.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
  /// L-BFGS without line search, as the reference tools: the best images per iteration.
  case lbfgs
  /// Adam: less memory, needs a learning rate around 1-10 on the 0-255 pixel scale.
  case adam
}

/// Where the optimisation starts.
public enum Initialization: Sendable, Equatable {
  /// The content image itself (fast, keeps the layout).
  case content
  /// Uniform noise around the mean pixel, reproducible for the configuration's seed.
  case random
  /// A given image (resized to the content's size).
  case image(Image)
}

extension StyleTransfer {
  /// The settings of one run. Weights are relative: every loss term is a mean, so one set of
  /// weights gives the same balance, and the same style strength, at any image size and for any
  /// number of style images.
  public struct Configuration: Sendable, Equatable {
    /// Weight of the content loss, mean((F - P)^2) at `contentLayers`.
    ///
    /// neural-style's 5 lets a strong painting wash the scene out at the sizes this tool runs
    /// at (192-512 px): on the sample clip only the balloon stayed, on a photo with Turner's
    /// painting the face went. 30 keeps the layout (hills, trees, sky; face and suit) under
    /// the strokes of both.
    public var contentWeight: Float = 30
    /// Weight of the style loss at each style layer, mean((G - A)^2) with G = F F^T / (C H W).
    public var styleWeight: Float = 100
    /// Weight of the total variation, the mean squared difference of neighbouring pixel values.
    public var totalVariationWeight: Float = 1
    /// Weight of each temporal term, mean(c (x - warped)^2) over all values (Ruder et al.).
    public var temporalWeight: Float = 1e3
    /// Layers whose raw activations must stay close to the content image's.
    public var contentLayers: [VGG19.Layer] = [.relu4_2]
    /// Layers whose Gram matrices must match the style image's.
    public var styleLayers: [VGG19.Layer] = [.relu1_1, .relu2_1, .relu3_1, .relu4_1, .relu5_1]
    /// Relative weight of each style layer (all 1 when `nil`), multiplied by `styleWeight`.
    public var styleLayerWeights: [Float]? = nil
    /// Relative weight of each style image (equal when `nil`); normalised to sum 1.
    public var styleBlendWeights: [Float]? = nil
    /// The style image is resized to the content image's area times `styleScale`^2.
    public var styleScale: Double = 1
    /// Recolour each style image to the content's colour mean and covariance first.
    public var colorTransfer = false
    /// Keep the content's colours: take only the luminance of the result.
    public var preserveColors = false
    /// Downsampling in VGG-19.
    public var pooling: VGG19.Pooling = .max
    /// The optimiser.
    public var optimizer: OptimizerKind = .lbfgs
    /// Step size: L-BFGS's step (1 as in the reference tools); Adam's learning rate.
    public var learningRate: Float = 1
    /// L-BFGS's number of remembered steps.
    ///
    /// 25 rather than the reference tools' 100: on three 512x288 first frames (a photo with two
    /// paintings, a stream frame with one) and a 500-iteration image the final losses differed by
    /// under 0.1 %, for a quarter of the memory (45 MB instead of 179 MB at 512x288) and of the
    /// time of an L-BFGS step once the history is full.
    public var historySize = 25
    /// Optimisations that start afresh (a single image, a video's first frame) run over the
    /// levels of an image pyramid, each coarser level weighted by this in the next finer one
    /// (`ImagePyramid`), rather than over the pixels; 0 optimises the pixels. A step then moves
    /// whole regions too. At 512x288, 60 iterations from the content: 5.13e6 against 5.31e6
    /// over the pixels (a photo, Turner's painting), 1.057e7 against 1.132e7 (a stream, the
    /// sample painting); weights 0.5, 0.75, 0.8, 0.9, 1 and 2 gave 5.19e6, 5.13e6, 5.12e6,
    /// 5.14e6, 5.19e6 and 6.87e6 on the first (before `ImagePyramid.largestStep`). Not always better: a fine stripes pattern as the style (96x64) fell
    /// more slowly than over the pixels. Warm-started frames keep to the pixels (over the levels
    /// the sample clip's flicker, E_warp, rose from 0.00044 to 0.00053). The levels hold a
    /// third more values than the pixels, and so does L-BFGS's history of them.
    public var pyramidWeight: Float = 0.8
    /// The most iterations per image (one forward and one backward pass each).
    public var iterations = 500
    /// Stop early when the loss changed less than this fraction over `toleranceInterval`
    /// iterations (0 turns the early stop off).
    public var tolerance: Float = 1e-4
    /// The interval for `tolerance`, in iterations.
    var toleranceInterval = 50
    /// The starting image.
    public var initialization: Initialization = .random
    /// Half-width of the uniform noise a `.random` start draws around the mean pixel, on the
    /// 0-255 scale. 20 keeps a stylisation's first steps gentle; texture synthesis wants the full
    /// range (about 128): from faint noise a single shallow layer's Gram loss sits near a saddle
    /// (every step has negative curvature) and L-BFGS hardly moves.
    public var noiseAmplitude: Float = 20
    /// The seed of every random choice, so that runs are reproducible.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
  }
}
