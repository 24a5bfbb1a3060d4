extension Image {
  /// The image cut into `tile` x `tile` squares that are put back in a random order in which
  /// every square moves (one cycle, Sattolo 1986), reproducible for `seed`.
  ///
  /// The squares cover the largest top-left area made of whole squares; a strip at the right or
  /// bottom that holds no whole square stays where it is. Shuffling keeps every pixel and so
  /// nearly every feature of the picture, but not where they are: it changes a layer's raw
  /// activations a lot and its Gram matrix little. Make `tile` a multiple of the network's stride
  /// at the layers compared (16 at relu5_1) so that the squares line up with the layer's grid.
  public func shufflingTiles(_ tile: Int, seed: UInt64) -> Image {
    precondition(tile >= 1, "tiles must be at least 1 px, got \(tile)")
    let (columns, rows) = (width / tile, height / tile)
    var order = Array(0..<(columns * rows))
    var generator = SeededGenerator(seed: seed)
    for i in order.indices.dropFirst().reversed() {
      order.swapAt(i, Int.random(in: 0..<i, using: &generator))
    }
    // pixels (3, H, W): tile `index` of the result shows tile `order[index]` of the original.
    var scalars = pixels.scalars
    for (index, source) in order.enumerated() {
      let (targetX, targetY) = (index % columns * tile, index / columns * tile)
      let (sourceX, sourceY) = (source % columns * tile, source / columns * tile)
      for c in 0..<3 {
        for y in 0..<tile {
          let target = (c * height + targetY + y) * width + targetX
          let from = (c * height + sourceY + y) * width + sourceX
          scalars.replaceSubrange(
            target..<(target + tile), with: pixels.scalars[from..<(from + tile)])
        }
      }
    }
    return Image(pixels: Tensor(shape: pixels.shape, scalars: scalars))
  }
}
