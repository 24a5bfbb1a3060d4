import Engine

extension Benchmark {
  /// The names of the ways a convolution can be split into matrix products (for tuning).
  public static var convolutionStrategies: [String] { ConvolutionStrategy.allCases.map(\.rawValue) }

  /// Sets the convolution strategy and stripe size of networks created afterwards (tuning only).
  ///
  /// `strategy` applies to every convolution but the first forward and the last backward one;
  /// `stripeBudget` is the scratch elements per stripe.
  /// - Returns: false if `strategy` is not one of `convolutionStrategies`.
  public static func configure(strategy: String?, stripeBudget: Int?) -> Bool {
    if let strategy {
      guard let choice = ConvolutionStrategy(rawValue: strategy) else { return false }
      ConvolutionLayer.defaultStrategy = choice
    }
    if let stripeBudget { ShiftedConvolution.defaultStripeBudget = max(1, stripeBudget) }
    return true
  }

  /// Whether networks created afterwards use Winograd's algorithm where it pays (the default),
  /// or direct convolutions (shifted matrix products) everywhere, as a reference.
  public static func useWinograd(_ enabled: Bool) {
    ConvolutionLayer.winogradMinimumChannels = enabled ? 64 : Int.max
  }
}
