//! Linear scales with round tick values.

/// A linear map from the data interval `[min, max]` to the pixel interval `[from, to]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Data value mapped to `from`.
    pub min: f64,
    /// Data value mapped to `to`.
    pub max: f64,
    /// Pixel position of `min`.
    pub from: f64,
    /// Pixel position of `max`.
    pub to: f64,
}

impl Scale {
    /// A scale over the data `values` widened to round tick values (and to `[min - 1, min + 1]` for a
    /// single value); `[0, 1]` when there are none.
    pub fn covering(values: impl IntoIterator<Item = f64>, from: f64, to: f64) -> Scale {
        let (mut min, mut max) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        if !min.is_finite() {
            (min, max) = (0.0, 1.0);
        }
        if min == max {
            (min, max) = (min - 1.0, max + 1.0);
        }
        let step = tick_step(min, max);
        Scale {
            min: (min / step).floor() * step,
            max: (max / step).ceil() * step,
            from,
            to,
        }
    }

    /// The pixel position of `value`.
    pub fn map(&self, value: f64) -> f64 {
        self.from + (value - self.min) / (self.max - self.min) * (self.to - self.from)
    }

    /// Round tick values from `min` to `max`.
    pub fn ticks(&self) -> Vec<f64> {
        let step = tick_step(self.min, self.max);
        let count = ((self.max - self.min) / step).round() as usize;
        (0..=count).map(|i| self.min + step * i as f64).collect()
    }
}

/// A step of 1, 2 or 5 times a power of ten giving about five ticks over `[min, max]`.
pub fn tick_step(min: f64, max: f64) -> f64 {
    let raw = (max - min) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let normalized = raw / magnitude;
    let nice = if normalized <= 1.0 {
        1.0
    } else if normalized <= 2.0 {
        2.0
    } else if normalized <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A tick label: no decimals for whole numbers, otherwise up to three significant decimals.
pub fn tick_label(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{:.0}", value.round())
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_rounds_to_ticks() {
        let scale = Scale::covering([12.0, 87.0], 0.0, 100.0);
        assert_eq!((scale.min, scale.max), (0.0, 100.0));
        assert_eq!(scale.ticks(), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(scale.map(50.0), 50.0);
    }

    #[test]
    fn single_value_and_no_values() {
        let scale = Scale::covering([3.0], 0.0, 10.0);
        assert_eq!((scale.min, scale.max), (2.0, 4.0));
        let empty = Scale::covering([], 0.0, 10.0);
        assert_eq!((empty.min, empty.max), (0.0, 1.0));
    }

    #[test]
    fn labels() {
        assert_eq!(tick_label(20.0), "20");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_step(0.0, 1.0), 0.2);
    }
}
