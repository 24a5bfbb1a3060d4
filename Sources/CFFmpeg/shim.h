#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
#include <libavutil/rational.h>
#include <libswscale/swscale.h>

/* FFmpeg's error codes and constants are macros Swift cannot import; these expose their values. */
static inline int cff_averror(int posix_errno) { return AVERROR(posix_errno); }
static inline int cff_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int cff_averror_eof(void) { return AVERROR_EOF; }
static inline int cff_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t cff_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational cff_time_base_q(void) { return AV_TIME_BASE_Q; }

static inline int cff_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int cff_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }

/* Clockwise rotation (0, 90, 180 or 270) a player applies to show the stream upright, read from the
   display-matrix side data; FFmpeg's matrix angle is counter-clockwise, hence the minus sign. */
static inline int cff_stream_rotation(const AVStream *stream) {
  const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, NULL);
  if (!matrix) return 0;
  double angle = -av_display_rotation_get((const int32_t *)matrix);
  if (angle != angle) return 0; /* NaN: not a pure rotation */
  int degrees = ((int)(angle >= 0 ? angle + 0.5 : angle - 0.5) % 360 + 360) % 360;
  return (degrees + 45) / 90 % 4 * 90;
}

/* Attaches a display matrix asking players to rotate the stream clockwise by `degrees` (tests only). */
static inline int cff_set_stream_rotation(AVStream *stream, int degrees) {
  uint8_t *matrix = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
  if (!matrix) return AVERROR(ENOMEM);
  av_display_rotation_set((int32_t *)matrix, degrees); /* get() then reads -degrees */
  return 0;
}

#endif
