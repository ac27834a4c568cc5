//! Unit tests of the pacer's rules, on a clock the tests move by hand.

use super::*;

const S: Duration = Duration::from_secs(1);

fn pacer(reserve: f64) -> Pacer {
    Pacer::new(reserve, WINDOW)
}

/// Sends one call at `t` and answers it with `remaining` of `total`.
fn answer(p: &Pacer, t: Instant, total: u32, remaining: u32) {
    p.acquire(t)
        .expect("the first call goes")
        .answered(Some(total), Some(remaining), None, t);
}

#[test]
fn with_no_reading_yet_calls_go_at_once() {
    let p = pacer(0.2);
    let t = Instant::now();
    for _ in 0..50 {
        assert!(p.acquire(t).is_ok());
    }
}

#[test]
fn the_bridges_own_calls_per_window_stay_below_its_share() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 100, 99);
    // share = 0.8 × 100: at most 79 calls in any window
    for _ in 1..79 {
        assert!(p.acquire(t).is_ok());
    }
    assert_eq!(
        p.acquire(t + S).unwrap_err(),
        WINDOW - S,
        "until the first call leaves the window"
    );
    assert!(p.acquire(t + WINDOW).is_ok());
}

#[test]
fn an_answer_below_the_reserve_stops_every_call_for_a_window() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 100, 19);
    assert_eq!(p.acquire(t).unwrap_err(), WINDOW);
    assert_eq!(p.acquire(t + 59 * S).unwrap_err(), S, "not even a probe");
    assert!(p.acquire(t + WINDOW).is_ok());
}

#[test]
fn a_call_that_would_leave_less_than_the_reserve_is_not_sent() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 100, 25);
    // floor = 20: five more calls take the balance to exactly 20
    for _ in 0..5 {
        assert!(p.acquire(t + S).is_ok());
    }
    assert_eq!(
        p.acquire(t + S).unwrap_err(),
        WINDOW - S,
        "a window after the last reading"
    );
    assert_eq!(p.acquire(t + 2 * S).unwrap_err(), WINDOW - 2 * S, "and it stays quiet");
}

#[test]
fn calls_still_in_flight_count_against_a_reading() {
    let p = pacer(0.2);
    let t = Instant::now();
    let first = p.acquire(t).unwrap();
    let _second = p.acquire(t).unwrap();
    let _third = p.acquire(t).unwrap();
    // 22 left when the first was answered, two more on their way: 20 = the floor
    first.answered(Some(100), Some(22), None, t);
    assert_eq!(p.acquire(t).unwrap_err(), WINDOW);
}

#[test]
fn a_429_means_a_quiet_window_even_with_no_reserve_and_a_short_retry_after() {
    let p = pacer(0.0);
    let t = Instant::now();
    p.acquire(t).unwrap().answered(Some(600), Some(0), Some(S), t);
    assert_eq!(p.acquire(t + S).unwrap_err(), WINDOW - S);
    assert!(p.acquire(t + WINDOW).is_ok());
}

#[test]
fn a_retry_after_longer_than_a_window_is_honoured() {
    let p = pacer(0.2);
    let t = Instant::now();
    p.acquire(t).unwrap().answered(Some(600), Some(0), Some(120 * S), t);
    assert_eq!(p.acquire(t + WINDOW).unwrap_err(), WINDOW);
}

#[test]
fn with_no_reserve_the_last_credits_are_spent_and_then_nothing_until_a_window_has_passed() {
    let p = pacer(0.0);
    let t = Instant::now();
    answer(&p, t, 600, 2);
    assert!(p.acquire(t).is_ok());
    assert!(p.acquire(t).is_ok());
    assert_eq!(p.acquire(t + S).unwrap_err(), WINDOW - S);
}

#[test]
fn above_the_reserve_calls_go_at_once() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 600, 500);
    for _ in 0..300 {
        assert!(p.acquire(t).is_ok());
    }
}

#[test]
fn a_reading_older_than_a_window_no_longer_holds_calls_back() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 100, 21);
    assert!(p.acquire(t).is_ok(), "down to the floor");
    assert!(p.acquire(t + S).is_err());
    assert!(
        p.acquire(t + WINDOW).is_ok(),
        "a fixed window has reset, a rolling one forgot"
    );
}

#[test]
fn a_shorter_window_shortens_every_wait_alike() {
    let window = Duration::from_millis(1500);
    let p = Pacer::new(0.2, window);
    let t = Instant::now();
    answer(&p, t, 10, 1);
    assert_eq!(p.acquire(t).unwrap_err(), window);
}

#[test]
fn a_call_that_got_no_answer_no_longer_counts_as_in_flight() {
    let p = pacer(0.2);
    let t = Instant::now();
    let lost = p.acquire(t).unwrap();
    drop(lost);
    answer(&p, t, 100, 22);
    // 22 − 0 in flight: two more calls reach the floor of 20
    assert!(p.acquire(t).is_ok());
    assert!(p.acquire(t).is_ok());
    assert!(p.acquire(t).is_err());
}

#[test]
fn a_call_costing_several_credits_counts_them_all() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 20, 10);
    assert_eq!(p.total(), Some(20));
    // 10 left, a floor of 4 (0.2 × 20): a 3-credit page leaves 7, a second leaves 4 (the
    // floor itself), a third would leave 1.
    let first = p.acquire_credits(t, 3).expect("7 left after it");
    first.answered(Some(20), Some(7), None, t);
    let second = p.acquire_credits(t, 3).expect("4 left after it");
    second.answered(Some(20), Some(4), None, t);
    assert!(p.acquire_credits(t, 3).is_err(), "it would dip into the reserve");
}

#[test]
fn credits_count_toward_the_bridges_share_of_a_window() {
    let p = pacer(0.2);
    let t = Instant::now();
    answer(&p, t, 100, 100);
    // share 0.8 × 100 = 80 credits: the first call spent 1, 26 pages of 3 spend 78 more.
    for _ in 0..26 {
        assert!(p.acquire_credits(t, 3).is_ok());
    }
    assert!(p.acquire_credits(t, 3).is_err());
    assert!(p.acquire(t).is_err(), "the share is spent, whatever the call costs");
}
