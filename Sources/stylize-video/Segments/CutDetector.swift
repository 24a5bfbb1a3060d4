import Engine

/// Finds hard cuts in a video read frame by frame at low resolution.
///
/// A pair of frames is a candidate when its colours jump: the distance between their colour
/// histograms, or the difference between their 16-pixel thumbnails far above the shot's usual
/// one. A candidate is a cut when the optical flow fails there too: few pixels are consistent
/// both ways (Ruder et al.'s reliability test) and matched by the warped previous frame. A
/// flash or a fast pan changes the colours but keeps the flow; a cut to similar colours (the
/// same place at another time) keeps the histogram but not the thumbnails or the flow.
struct CutDetector {
  /// What was measured at a candidate: the pair (frame - 1, frame), 0-based.
  struct Evidence: Codable, Equatable {
    var frame: Int
    /// Half the L1 distance of the 16-bin colour histograms, mean of R, G, B: 0 same, 1 disjoint.
    var histogramDistance: Float
    /// Mean absolute difference of the thumbnails, 0...1, and the shot's usual one before it.
    var thumbnailDifference, usualThumbnailDifference: Float
    /// Share of pixels whose flow is reliable and whose warped previous pixel matches, 0...1.
    var reliableShare: Float
    var isCut: Bool
  }

  /// A histogram distance at least this is a candidate.
  var histogramThreshold: Float = 0.25
  /// A thumbnail difference at least this many times the shot's median one (and at least
  /// `thumbnailFloor`) is a candidate.
  var thumbnailRatio: Float = 4
  var thumbnailFloor: Float = 0.04
  /// A candidate whose reliable share is below this is a cut.
  var reliableShareThreshold: Float = 0.3

  private let flow = OpticalFlow()
  private var previous: (image: Image, histogram: [Float], thumbnail: Image)?
  /// The thumbnail differences of the current shot's last frames.
  private var recentDifferences: [Float] = []
  private var frameIndex = 0

  /// Takes the next frame (RGB 0...255); returns what was measured when it is a candidate.
  mutating func add(_ image: Image) -> Evidence? {
    defer { frameIndex += 1 }
    let histogram = colourHistogram(image)
    let thumbnail = image.resized(
      width: max(1, image.width * 16 / max(image.width, image.height)),
      height: max(1, image.height * 16 / max(image.width, image.height)))
    defer { previous = (image, histogram, thumbnail) }
    guard let previous else { return nil }
    let distance = zip(histogram, previous.histogram).reduce(0) { $0 + abs($1.0 - $1.1) } / 6
    let difference = meanAbsoluteDifference(thumbnail.pixels, previous.thumbnail.pixels) / 255
    let usual = median(recentDifferences)
    let jumps =
      distance >= histogramThreshold
      || difference >= max(thumbnailFloor, thumbnailRatio * usual)
    guard jumps else {
      recentDifferences = Array((recentDifferences + [difference]).suffix(12))
      return nil
    }
    let share = reliableShare(from: previous.image, to: image)
    let isCut = share < reliableShareThreshold
    recentDifferences = isCut ? [] : Array((recentDifferences + [difference]).suffix(12))
    return Evidence(
      frame: frameIndex, histogramDistance: distance, thumbnailDifference: difference,
      usualThumbnailDifference: usual, reliableShare: share, isCut: isCut)
  }

  /// The share of pixels of `current` that the flow brings in from `earlier` reliably (both
  /// ways consistent, weight >= 0.5) and whose warped colour is within 0.1 of their own.
  private func reliableShare(from earlier: Image, to current: Image) -> Float {
    let backward = flow.flow(from: current.pixels, to: earlier.pixels)
    let forward = flow.flow(from: earlier.pixels, to: current.pixels)
    let weights = consistencyWeights(flow: backward, reverse: forward)
    let warped = warp(earlier.pixels, by: backward).image.scalars
    let own = current.pixels.scalars
    let plane = weights.count
    var matched = 0
    for pixel in 0..<plane where weights[pixel] >= 0.5 {
      var difference: Float = 0
      for channel in 0..<3 {
        difference += abs(own[channel * plane + pixel] - warped[channel * plane + pixel])
      }
      if difference / 3 < 0.1 * 255 { matched += 1 }
    }
    return Float(matched) / Float(max(plane, 1))
  }
}

/// 16 bins per channel of an RGB image (0...255), each channel's bins summing to 1.
private func colourHistogram(_ image: Image) -> [Float] {
  let plane = image.width * image.height
  var bins = [Float](repeating: 0, count: 48)
  for (index, value) in image.pixels.scalars.enumerated() {
    let bin = min(15, max(0, Int(value / 16)))
    bins[index / plane * 16 + bin] += 1
  }
  return bins.map { $0 / Float(max(plane, 1)) }
}

private func meanAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
  zip(a.scalars, b.scalars).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(max(a.scalars.count, 1))
}

private func median(_ values: [Float]) -> Float {
  guard !values.isEmpty else { return 0 }
  return values.sorted()[values.count / 2]
}
