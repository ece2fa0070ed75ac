//! The rating test (SPEC §7.3): placeholder replaced below.
use super::*;

pub(super) fn rating_test_chart(_folder: &ReportFolder, _scenario: &str) -> Option<Chart> {
    None
}
