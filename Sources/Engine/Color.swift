// Colour preservation for style transfer (Gatys, Bethge, Hertzmann & Shechtman 2016,
// "Preserving Color in Neural Artistic Style Transfer", arXiv:1606.05897): either keep the
// stylised output's luminance and the content's chroma, or recolour the style image to the
// content's colour statistics before its features are extracted.

import Foundation

extension Image {
  /// The NTSC YIQ transform (FCC 1953), row-major 3x3 from (R, G, B) to (Y, I, Q).
  static let rgbToYIQ: [Double] = [
    0.299, 0.587, 0.114,
    0.596, -0.274, -0.322,
    0.211, -0.523, 0.312,
  ]

  /// The exact inverse of `rgbToYIQ` (the rounded published inverse is only close to it).
  static let yiqToRGB: [Double] = inverse3x3(rgbToYIQ)

  /// This image's luminance with the chroma of `content` (luminance-only transfer).
  ///
  /// In YIQ: Y from `self` (the stylised output), I and Q from `content`, converted back to RGB.
  /// This is the "--preserve-colors" result: the style's strokes and shading in the content's
  /// colours. Both images must have the same size. Values are not clamped.
  func preservingColors(of content: Image) -> Image {
    precondition(
      content.pixels.shape == pixels.shape,
      "colour preservation needs equal sizes: \(pixels.shape) vs \(content.pixels.shape)")
    let plane = width * height
    let (m, inverse) = (Self.rgbToYIQ, Self.yiqToRGB)
    var scalars = [Float](repeating: 0, count: 3 * plane)
    pixels.scalars.withUnsafeBufferPointer { output in
      content.pixels.scalars.withUnsafeBufferPointer { source in
        for p in 0..<plane {
          let (r, g, b) = (
            Double(output[p]), Double(output[plane + p]), Double(output[2 * plane + p])
          )
          let (cr, cg, cb) = (
            Double(source[p]), Double(source[plane + p]), Double(source[2 * plane + p])
          )
          // Y from the output, I and Q from the content
          let y = m[0] * r + m[1] * g + m[2] * b
          let i = m[3] * cr + m[4] * cg + m[5] * cb
          let q = m[6] * cr + m[7] * cg + m[8] * cb
          for c in 0..<3 {
            let value = inverse[3 * c] * y + inverse[3 * c + 1] * i + inverse[3 * c + 2] * q
            scalars[c * plane + p] = Float(value)
          }
        }
      }
    }
    return Image(pixels: Tensor(shape: pixels.shape, scalars: scalars))
  }

  /// This image recoloured to the mean and covariance of `content`'s pixels (linear colour transfer).
  ///
  /// x' = S_c^1/2 S_s^-1/2 (x - mu_s) + mu_c over RGB pixel vectors x, with mu and S the mean and
  /// 3x3 covariance of `self` (s, the style) and `content` (c); then x' has exactly mean mu_c and
  /// covariance S_c. Square roots are the symmetric ones, through an eigen-decomposition.
  /// Eigenvalues of S_s below `varianceFloor` (in squared 0-255 units) are raised to it, so a flat
  /// style channel is not amplified without bound. The sizes of the two images may differ.
  func matchingColorStatistics(of content: Image, varianceFloor: Double = 1e-3) -> Image {
    let style = colorStatistics()
    let target = content.colorStatistics()
    // A = S_c^1/2 S_s^-1/2 (3, 3)
    let a = multiply3x3(
      symmetricPower(target.covariance, 0.5, floor: 0),
      symmetricPower(style.covariance, -0.5, floor: varianceFloor))
    let plane = width * height
    var scalars = [Float](repeating: 0, count: 3 * plane)
    for p in 0..<plane {
      // x - mu_s
      let x0 = Double(pixels.scalars[p]) - style.mean[0]
      let x1 = Double(pixels.scalars[plane + p]) - style.mean[1]
      let x2 = Double(pixels.scalars[2 * plane + p]) - style.mean[2]
      for c in 0..<3 {
        let value = a[3 * c] * x0 + a[3 * c + 1] * x1 + a[3 * c + 2] * x2 + target.mean[c]
        scalars[c * plane + p] = Float(value)
      }
    }
    return Image(pixels: Tensor(shape: pixels.shape, scalars: scalars))
  }

  /// The mean (3) and population covariance (3, 3, row-major) of the RGB pixel vectors.
  func colorStatistics() -> (mean: [Double], covariance: [Double]) {
    let plane = width * height
    var mean = [Double](repeating: 0, count: 3)
    for c in 0..<3 {
      for p in 0..<plane { mean[c] += Double(pixels.scalars[c * plane + p]) }
      mean[c] /= Double(plane)
    }
    var covariance = [Double](repeating: 0, count: 9)
    for i in 0..<3 {
      for j in i..<3 {
        var sum = 0.0
        for p in 0..<plane {
          sum +=
            (Double(pixels.scalars[i * plane + p]) - mean[i])
            * (Double(pixels.scalars[j * plane + p]) - mean[j])
        }
        covariance[3 * i + j] = sum / Double(plane)
        covariance[3 * j + i] = covariance[3 * i + j]
      }
    }
    return (mean, covariance)
  }
}

// MARK: - 3x3 linear algebra (row-major [Double] of 9)

/// a b for 3x3 matrices.
func multiply3x3(_ a: [Double], _ b: [Double]) -> [Double] {
  (0..<9).map { index in
    let (i, j) = (index / 3, index % 3)
    return a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j]
  }
}

/// The inverse of an invertible 3x3 matrix: the adjugate over the determinant.
func inverse3x3(_ m: [Double]) -> [Double] {
  let cofactors = (0..<9).map { index -> Double in
    let (i, j) = (index / 3, index % 3)
    let (r0, r1) = ((i + 1) % 3, (i + 2) % 3)
    let (c0, c1) = ((j + 1) % 3, (j + 2) % 3)
    return m[3 * r0 + c0] * m[3 * r1 + c1] - m[3 * r0 + c1] * m[3 * r1 + c0]
  }
  let determinant = m[0] * cofactors[0] + m[1] * cofactors[1] + m[2] * cofactors[2]
  precondition(determinant != 0, "3x3 matrix is singular")
  // inverse[i][j] = cofactor[j][i] / det
  return (0..<9).map { index in cofactors[3 * (index % 3) + index / 3] / determinant }
}

/// The eigenvalues and eigenvectors of a symmetric 3x3 matrix by cyclic Jacobi rotations.
///
/// Golub & Van Loan, "Matrix Computations", 4th ed., §8.5.2 (cyclic Jacobi). `vectors` holds
/// the eigenvectors as columns: m = V diag(values) V^T.
func symmetricEigen3x3(_ m: [Double]) -> (values: [Double], vectors: [Double]) {
  var a = m
  var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
  let scale = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
  for _ in 0..<50 {
    let offDiagonal = (a[1] * a[1] + a[2] * a[2] + a[5] * a[5]).squareRoot()
    if offDiagonal <= 1e-15 * scale { break }
    for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[3 * p + q] != 0 {
      // The rotation (c, s) that zeroes a[p][q] (G&VL Algorithm 8.5.1, sym.schur2).
      let tau = (a[3 * q + q] - a[3 * p + p]) / (2 * a[3 * p + q])
      let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
      let c = 1 / (1 + t * t).squareRoot()
      let s = t * c
      // a ← J^T a J, v ← v J, with J the identity except J[p][p] = J[q][q] = c, J[p][q] = s = -J[q][p].
      for k in 0..<3 {
        let (akp, akq) = (a[3 * k + p], a[3 * k + q])
        a[3 * k + p] = c * akp - s * akq
        a[3 * k + q] = s * akp + c * akq
      }
      for k in 0..<3 {
        let (apk, aqk) = (a[3 * p + k], a[3 * q + k])
        a[3 * p + k] = c * apk - s * aqk
        a[3 * q + k] = s * apk + c * aqk
      }
      for k in 0..<3 {
        let (vkp, vkq) = (v[3 * k + p], v[3 * k + q])
        v[3 * k + p] = c * vkp - s * vkq
        v[3 * k + q] = s * vkp + c * vkq
      }
    }
  }
  return ([a[0], a[4], a[8]], v)
}

/// m^exponent for a symmetric positive semi-definite 3x3 m: V diag(max(lambda, floor)^e) V^T.
func symmetricPower(_ m: [Double], _ exponent: Double, floor: Double) -> [Double] {
  let (values, v) = symmetricEigen3x3(m)
  let powers = values.map { pow(max($0, floor, 0), exponent) }
  return (0..<9).map { index in
    let (i, j) = (index / 3, index % 3)
    return (0..<3).reduce(0) { $0 + v[3 * i + $1] * powers[$1] * v[3 * j + $1] }
  }
}
