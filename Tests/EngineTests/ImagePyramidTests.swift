import Foundation
import Testing

@testable import Engine

@Suite struct ImagePyramidTests {
  /// Reproducible values in -1 ... 1.
  static func noise(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Float(state >> 40) / Float(1 << 23) - 1
    }
  }

  /// 2x bilinear upsampling from the sample positions, in Double: fine pixel i sits at coarse
  /// coordinate (i + 1/2) / 2 - 1/2, clamped to the coarse pixels' centres, and takes the
  /// linear interpolation of the two coarse pixels around it.
  static func referenceUpsample(
    _ plane: [Double], from coarse: (height: Int, width: Int), to fine: (height: Int, width: Int)
  ) -> [Double] {
    func weights(_ i: Int, count: Int) -> [(Int, Double)] {
      let position = min(max((Double(i) + 0.5) / 2 - 0.5, 0), Double(count - 1))
      let low = Int(position.rounded(.down))
      let fraction = position - Double(low)
      return fraction == 0 ? [(low, 1)] : [(low, 1 - fraction), (low + 1, fraction)]
    }
    var result = [Double](repeating: 0, count: fine.height * fine.width)
    for y in 0..<fine.height {
      for x in 0..<fine.width {
        for (sy, wy) in weights(y, count: coarse.height) {
          for (sx, wx) in weights(x, count: coarse.width) {
            result[y * fine.width + x] += wy * wx * plane[sy * coarse.width + sx]
          }
        }
      }
    }
    return result
  }

  /// image = L0 + w U(L1 + w U(L2 + ...)) computed plane by plane with the reference upsampling.
  static func referenceImage(of levels: [Float], pyramid: ImagePyramid) -> [Double] {
    let sizes = pyramid.sizes
    var image: [Double] = []
    for c in 0..<pyramid.channels {
      func plane(_ level: Int) -> [Double] {
        let count = sizes[level].height * sizes[level].width
        let start = pyramid.offsets[level] + c * count
        return levels[start..<start + count].map(Double.init)
      }
      var sum = plane(sizes.count - 1)
      for level in stride(from: sizes.count - 2, through: 0, by: -1) {
        let up = referenceUpsample(sum, from: sizes[level + 1], to: sizes[level])
        sum = zip(plane(level), up).map { $0 + Double(pyramid.weight) * $1 }
      }
      image += sum
    }
    return image
  }

  @Test func levelsHalveRoundingUpDownToTheSmallestSide() {
    let sizes = ImagePyramid(channels: 3, height: 288, width: 512, weight: 0.8).sizes
    #expect(sizes.map(\.height) == [288, 144, 72, 36, 18])
    #expect(sizes.map(\.width) == [512, 256, 128, 64, 32])
    let odd = ImagePyramid(channels: 1, height: 37, width: 75, weight: 1, smallestSide: 5).sizes
    #expect(odd.map(\.height) == [37, 19, 10, 5])
    #expect(odd.map(\.width) == [75, 38, 19, 10])
    // too small for a second level
    #expect(ImagePyramid(channels: 3, height: 20, width: 300, weight: 1).sizes.count == 1)
  }

  @Test(arguments: [(37, 23, Float(0.8)), (16, 40, 1), (9, 9, 0.5)])
  func theImageIsTheSumOfTheUpsampledLevels(height: Int, width: Int, weight: Float) {
    let pyramid = ImagePyramid(
      channels: 3, height: height, width: width, weight: weight, smallestSide: 2)
    #expect(pyramid.sizes.count >= 3)
    let levels = Self.noise(pyramid.count, seed: 7)
    var image = [Float](repeating: 0, count: 3 * height * width)
    pyramid.image(of: levels, into: &image)
    let reference = Self.referenceImage(of: levels, pyramid: pyramid)
    let worst = zip(image, reference).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(worst < 1e-5)
  }

  @Test func theGradientIsTheAdjointOfTheImage() {
    // <P levels, g> = <levels, P^T g> for any levels and image gradient g
    let pyramid = ImagePyramid(channels: 3, height: 45, width: 31, weight: 0.8, smallestSide: 3)
    let levels = Self.noise(pyramid.count, seed: 1)
    let imageGradient = Self.noise(3 * 45 * 31, seed: 2)
    var image = [Float](repeating: 0, count: imageGradient.count)
    pyramid.image(of: levels, into: &image)
    var gradient = [Float](repeating: .nan, count: pyramid.count)
    pyramid.gradient(ofImageGradient: imageGradient, into: &gradient)
    func dot(_ a: [Float], _ b: [Float]) -> Double {
      zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    let (left, right) = (dot(image, imageGradient), dot(levels, gradient))
    #expect(abs(left - right) <= 1e-5 * max(abs(left), 1))
    #expect(gradient.allSatisfy { $0.isFinite })
  }

  @Test func theLevelsOfAnImageGiveItBackExactly() {
    let pyramid = ImagePyramid(channels: 3, height: 64, width: 48, weight: 0.8)
    let original = Self.noise(3 * 64 * 48, seed: 3)
    var image = [Float](repeating: 0, count: original.count)
    pyramid.image(of: pyramid.levels(of: original), into: &image)
    #expect(image == original)
  }

  @Test func aConstantCoarsestLevelGivesAConstantImage() {
    // the upsampling's weights sum to 1 (edges included): a constant stays a constant
    let pyramid = ImagePyramid(channels: 1, height: 33, width: 50, weight: 0.5, smallestSide: 4)
    let coarsest = pyramid.sizes.count - 1
    var levels = [Float](repeating: 0, count: pyramid.count)
    for i in pyramid.offsets[coarsest]..<pyramid.count { levels[i] = 2 }
    var image = [Float](repeating: 0, count: 33 * 50)
    pyramid.image(of: levels, into: &image)
    let expected = 2 * pow(0.5, Float(coarsest))
    #expect(image.allSatisfy { abs($0 - expected) < 1e-6 })
  }
}
