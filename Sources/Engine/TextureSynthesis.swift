// Texture synthesis with the Gram-matrix statistics of a CNN (Gatys, Ecker & Bethge 2015,
// "Texture Synthesis Using Convolutional Neural Networks"): style transfer without a content term.

extension StyleTransfer {
  /// Synthesises a `width` x `height` texture from the style images alone: starting from noise,
  /// the pixels are optimised until their Gram matrices at the style layers match the styles'.
  ///
  /// The loss is the style loss plus the total variation; the content settings (content weight
  /// and layers, colour transfer, colour preservation) do not apply, and an initialisation from
  /// the content starts from noise instead. The pixels are optimised themselves, not an image
  /// pyramid's levels (`pyramidWeight`): over the levels the noise grew into large patches of the
  /// style's colours rather than its texture (a picture red on the left and blue on the right
  /// gave a texture with nearly half its left-right contrast). The style images are resized to the texture's area
  /// times `styleScale`^2, and their Gram matrices are computed anew on each call. `iterations`
  /// and `scales` are those of `stylize`.
  public func synthesizeTexture(
    width: Int, height: Int, iterations: Int? = nil, scales: Int = 1,
    progress: (Progress) -> Void = { _ in }
  ) -> Result {
    var settings = configuration
    settings.contentLayers = []
    settings.contentWeight = 0
    settings.colorTransfer = false
    settings.preserveColors = false
    settings.pyramidWeight = 0
    if settings.initialization == .content { settings.initialization = .random }
    // Only the canvas's size matters: nothing is compared with its pixels.
    let canvas = Image(pixels: Tensor(shape: [3, height, width]))
    return StyleTransfer(network: network, styles: styles, configuration: settings)
      .stylize(canvas, iterations: iterations, scales: scales, progress: progress)
  }
}
