import Testing

@testable import Video

@Suite struct VideoFrameTests {
  @Test func frameKeepsItsPixels() {
    let frame = VideoFrame(width: 2, height: 1, rgb: [1, 2, 3, 4, 5, 6], time: 0.5)
    #expect(frame.rgb.count == 6)
    #expect(frame.time == 0.5)
  }
}
