import Testing

@testable import Engine

/// Colour preservation: luminance-only transfer and linear colour transfer.
@Suite struct ColorTests {
  /// Mean and population covariance of the pixels, written out again in Double.
  static func statistics(_ image: Image) -> (mean: [Double], covariance: [Double]) {
    let n = image.width * image.height
    let x = image.pixels.scalars.map(Double.init)
    let mean = (0..<3).map { c in x[(c * n)..<((c + 1) * n)].reduce(0, +) / Double(n) }
    let covariance = (0..<9).map { index -> Double in
      let (i, j) = (index / 3, index % 3)
      return (0..<n).reduce(0) { $0 + (x[i * n + $1] - mean[i]) * (x[j * n + $1] - mean[j]) }
        / Double(n)
    }
    return (mean, covariance)
  }

  /// An image with correlated channels: each pixel is mix * (three uniforms) + offset.
  static func correlatedImage(width: Int, height: Int, mix: [Float], offset: [Float], seed: UInt64)
    -> Image
  {
    let noise = Tensor(randomUniform: [3, height, width], in: 0...1, seed: seed).scalars
    let n = width * height
    var scalars = [Float](repeating: 0, count: 3 * n)
    for p in 0..<n {
      for c in 0..<3 {
        scalars[c * n + p] =
          offset[c] + (0..<3).reduce(0) { $0 + mix[3 * c + $1] * noise[$1 * n + p] }
      }
    }
    return Image(pixels: Tensor(shape: [3, height, width], scalars: scalars))
  }

  @Test func colorTransferGivesTheContentsMeanAndCovariance() {
    let style = Self.correlatedImage(
      width: 23, height: 17, mix: [120, 10, 0, 60, 40, 5, 0, 30, 90], offset: [20, 30, 10], seed: 21
    )
    let content = Self.correlatedImage(
      width: 31, height: 12, mix: [50, 0, 20, 10, 80, 0, 5, 5, 30], offset: [90, 60, 140], seed: 22)
    let transferred = style.matchingColorStatistics(of: content)
    #expect(transferred.pixels.shape == style.pixels.shape)
    let (got, want) = (Self.statistics(transferred), Self.statistics(content))
    let meanError = zip(got.mean, want.mean).map { abs($0 - $1) }.max() ?? 0
    let covarianceScale = want.covariance.map(abs).max() ?? 1
    let covarianceError =
      (zip(got.covariance, want.covariance).map { abs($0 - $1) }.max() ?? 0) / covarianceScale
    #expect(meanError < 1e-3, "mean off by \(meanError)")
    #expect(covarianceError < 1e-4, "covariance relative error \(covarianceError)")
  }

  @Test func colorTransferOfAFlatStyleGivesTheContentMeanEverywhere() {
    // S_s = 0: the variance floor keeps S_s^-1/2 finite, and x - mu_s = 0 leaves only mu_c.
    let style = Image(pixels: Tensor(shape: [3, 4, 4], repeating: 80))
    let content = Self.correlatedImage(
      width: 5, height: 6, mix: [50, 0, 20, 10, 80, 0, 5, 5, 30], offset: [90, 60, 140], seed: 26)
    let transferred = style.matchingColorStatistics(of: content)
    let mean = Self.statistics(content).mean
    for c in 0..<3 {
      let plane = transferred.pixels.scalars[(c * 16)..<(c * 16 + 16)]
      #expect(plane.allSatisfy { abs(Double($0) - mean[c]) < 1e-3 }, "channel \(c)")
    }
  }

  @Test func jacobiDecomposesASymmetricMatrix() {
    let m: [Double] = [4, 1, -2, 1, 3, 0.5, -2, 0.5, 5]
    let (values, v) = symmetricEigen3x3(m)
    // m v_k = lambda_k v_k, and V is orthonormal.
    var residual = 0.0
    for k in 0..<3 {
      for i in 0..<3 {
        let mv = (0..<3).reduce(0) { $0 + m[3 * i + $1] * v[3 * $1 + k] }
        residual = max(residual, abs(mv - values[k] * v[3 * i + k]))
        let vtv = (0..<3).reduce(0) { $0 + v[3 * $1 + i] * v[3 * $1 + k] }
        residual = max(residual, abs(vtv - (i == k ? 1 : 0)))
      }
    }
    #expect(residual < 1e-12, "eigen residual \(residual)")
    #expect(abs(values.reduce(0, +) - 12) < 1e-12)  // the trace
  }

  @Test func symmetricSquareRootSquaresBack() {
    let m: [Double] = [900, 300, -100, 300, 400, 50, -100, 50, 250]
    let root = symmetricPower(m, 0.5, floor: 0)
    let inverseRoot = symmetricPower(m, -0.5, floor: 0)
    let square = multiply3x3(root, root)
    let identity = multiply3x3(root, inverseRoot)
    let squareError = zip(square, m).map { abs($0 - $1) }.max() ?? 0
    let identityError = (0..<9).map { abs(identity[$0] - ($0 % 4 == 0 ? 1 : 0)) }.max() ?? 0
    #expect(squareError < 1e-9, "sqrt(M)^2 off by \(squareError)")
    #expect(identityError < 1e-12, "sqrt(M) M^-1/2 off identity by \(identityError)")
  }

  @Test func luminanceTransferKeepsTheOutputsLuminanceAndTheContentsChroma() {
    let output = Image(pixels: Tensor(randomUniform: [3, 6, 5], in: 0...255, seed: 23))
    let content = Image(pixels: Tensor(randomUniform: [3, 6, 5], in: 0...255, seed: 24))
    let result = output.preservingColors(of: content)
    // NTSC YIQ, written out again here.
    func yiq(_ image: Image, _ p: Int) -> [Double] {
      let (r, g, b) = (0..<3).map { Double(image.pixels.scalars[$0 * 30 + p]) }.tuple
      return [
        0.299 * r + 0.587 * g + 0.114 * b, 0.596 * r - 0.274 * g - 0.322 * b,
        0.211 * r - 0.523 * g + 0.312 * b,
      ]
    }
    var yError = 0.0
    var chromaError = 0.0
    for p in 0..<30 {
      let (got, luminance, chroma) = (yiq(result, p), yiq(output, p), yiq(content, p))
      yError = max(yError, abs(got[0] - luminance[0]))
      chromaError = max(chromaError, abs(got[1] - chroma[1]), abs(got[2] - chroma[2]))
    }
    #expect(yError < 1e-3, "Y off by \(yError)")
    #expect(chromaError < 1e-3, "I/Q off by \(chromaError)")
  }

  @Test func luminanceTransferOfAnImageOntoItselfIsIdentity() {
    let image = Image(pixels: Tensor(randomUniform: [3, 4, 4], in: 0...255, seed: 25))
    let same = image.preservingColors(of: image)
    let error = zip(same.pixels.scalars, image.pixels.scalars).map { abs($0 - $1) }.max() ?? 0
    #expect(error < 1e-3, "self transfer off by \(error)")
  }
}

extension Array where Element == Double {
  /// The first three elements as a tuple.
  fileprivate var tuple: (Double, Double, Double) { (self[0], self[1], self[2]) }
}
