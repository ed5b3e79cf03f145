//! The generating side: clients, their holdings, then the consultations in time order.

use super::*;
/// A sale the client will cancel: (client id, the consultation's start, product, the day).
pub(super) type PlannedCancellation = (u64, NaiveDateTime, String, NaiveDate);

/// The generating side of [`generate`]: (holdings, offers, unfinished, the cancellations to
/// record once the consultations are stored).
#[allow(clippy::too_many_arguments)]
pub(super) fn produce(
    plan: &Plan<'_>,
    opts: &DemoOptions,
    staff: &mut [Staff],
    tx: &mpsc::SyncSender<Batch>,
    ids_rx: &mpsc::Receiver<Vec<u64>>,
    written: &AtomicU64,
    total: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(u64, u64, u64, Vec<PlannedCancellation>), DemoError> {
    let send = |b: Batch| tx.send(b).map_err(|_| DemoError::Writer);
    let seed = opts.seed;
    let n_clients =
        usize::try_from(opts.clients).map_err(|_| DemoError::Options("too many clients".into()))?;

    // Clients, and what they already hold from before Sufler.
    let mut memory: Vec<Memory> = vec![Memory::default(); n_clients];
    let mut holdings: Vec<(usize, String)> = Vec::new();
    let mut n_holdings = 0u64;
    let held_before: Vec<(u16, f64)> = plan
        .catalog
        .products
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let share = if p.is_plan() {
                0.02
            } else if !p.disclosure.is_empty() {
                0.04
            } else {
                0.05 + (hash_str(&p.id) % 20) as f64 / 100.0
            };
            u16::try_from(i).ok().map(|i| (i, share))
        })
        .collect();
    let mut batch = Vec::with_capacity(CLIENT_BATCH.min(n_clients));
    for (index, remembered) in memory.iter_mut().enumerate() {
        let client = client_at(seed, index as u64, plan.born_from, plan.born_span);
        let mut rng = Rng::of(seed, 4, index as u64);
        for &(p, share) in &held_before {
            if rng.chance(share) {
                remembered.hold(p);
                holdings.push((index, plan.products[usize::from(p)].clone()));
            }
        }
        batch.push(client);
        if batch.len() == CLIENT_BATCH || index + 1 == n_clients {
            n_holdings += holdings.len() as u64;
            send(Batch::Clients(std::mem::take(&mut batch)))?;
            send(Batch::Holdings(std::mem::take(&mut holdings)))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    send(Batch::ClientsDone)?;
    let ids = ids_rx.recv().map_err(|_| DemoError::Writer)?;
    progress(written.load(Ordering::Relaxed), total);

    // Each client's openness to extra offers: 0.45 ..= 1.25.
    let openness = |index: usize| 0.45 + 0.8 * Rng::of(seed, 5, index as u64).unit();

    let n = opts.consultations;
    let days = working_days(first_day(opts.until, opts.months), opts.until);
    let day_count = days.len() as u64;
    let opening = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let now = crate::clock::now();
    const WORKDAY_SECONDS: u64 = 11 * 3600;

    // Who sees whom, decided up front so each officer's last meeting is known: some of those
    // are left unfinished, as if the officer was interrupted at the end of the history.
    let mut rng = Rng::new(seed ^ 0x005E_ED0F_DE30);
    // Each officer takes a share of the meetings by their pace.
    let mut pace_total = 0.0;
    let cumulative: Vec<f64> = staff
        .iter()
        .map(|s| {
            pace_total += s.pace;
            pace_total
        })
        .collect();
    let who: Vec<u32> = (0..n)
        .map(|_| {
            let x = rng.unit() * pace_total;
            let i = cumulative
                .partition_point(|&c| c <= x)
                .min(staff.len().saturating_sub(1));
            u32::try_from(i).unwrap_or(u32::MAX)
        })
        .collect();
    let mut last_of = vec![None; staff.len()];
    for (k, &o) in who.iter().enumerate() {
        last_of[o as usize] = Some(k);
    }
    let mut leave_open = std::collections::BTreeSet::new();
    for (o, last) in last_of.iter().enumerate() {
        if let Some(k) = *last {
            if o == 0 || rng.chance(0.4) {
                leave_open.insert(k);
            }
        }
    }

    let mut offers = 0u64;
    let mut unfinished = 0u64;
    let mut cancels: Vec<PlannedCancellation> = Vec::new();
    let mut batch: Vec<Consultation> = Vec::with_capacity(CONSULTATION_BATCH);
    let mut batch_from = 0u64;
    for k in 0..n {
        let ku = k as usize;
        let mut rng = Rng::of(seed, 6, k);
        // Spread evenly over the working days, 9:00 to 20:00, in order.
        let pos = u128::from(k) * u128::from(day_count);
        let day = days[(pos / u128::from(n)) as usize];
        // A history ending today ends now: that day's meetings are squeezed in before the
        // present moment, so nothing on screen lies in the future.
        let (from, seconds) = if day == now.date() {
            // Before opening time, the day so far.
            let from = if now > day.and_time(opening) {
                day.and_time(opening)
            } else {
                day.and_time(NaiveTime::MIN)
            };
            let secs = u64::try_from((now - from).num_seconds().max(0)).unwrap_or(0);
            (from, secs.min(WORKDAY_SECONDS))
        } else {
            (day.and_time(opening), WORKDAY_SECONDS)
        };
        let within = (pos % u128::from(n)) * u128::from(seconds) / u128::from(n);
        let started_at = from + TimeDelta::seconds(i64::try_from(within).unwrap_or(0));
        let s = &mut staff[who[ku] as usize];
        let month = Month::of(day);
        if s.month != month {
            s.month = month;
            s.plan_sold.clear();
        }
        // Most clients come back every month or two (each in turn, in an order of their own);
        // some come in sooner, about something else.
        let ci = if rng.chance(0.8) {
            spaced(k, n_clients, seed)
        } else {
            rng.index(n_clients)
        };
        let mut client = client_at(seed, ci as u64, plan.born_from, plan.born_span);
        client.id = ids[ci];
        let history = memory[ci].history(&plan.products);
        let stop_at = leave_open.contains(&ku).then(|| 1 + rng.index(3));
        let replay = rng.clone();
        let mut c = meeting(
            plan,
            &mut rng,
            s,
            &client,
            &history,
            openness(ci),
            started_at,
            stop_at,
        )?;
        // A meeting of today that would run past the present moment started earlier: the
        // same meeting, replayed from the same draws, ends now.
        let overrun = last_moment(&c) - now;
        if overrun > TimeDelta::zero() {
            let mut again = replay;
            c = meeting(
                plan,
                &mut again,
                s,
                &client,
                &history,
                openness(ci),
                started_at - overrun,
                stop_at,
            )?;
            rng = again;
        }
        // The officer's figures and the client's memory move on, as the store's would.
        for o in &c.offers {
            *s.rotation
                .entry((o.product.clone(), o.technique))
                .or_default() += 1;
            if o.outcome == Some(Outcome::Accepted) {
                *s.plan_sold.entry(o.product.clone()).or_default() += 1;
            }
        }
        if c.main_outcome == Some(Outcome::Accepted) {
            *s.plan_sold.entry(c.main.clone()).or_default() += 1;
        }
        if c.is_finished() {
            let mut draw = Rng::of(seed, 9, k);
            for o in &c.offers {
                let voluntary = plan
                    .catalog
                    .product(&o.product)
                    .is_some_and(|p| !p.disclosure.is_empty());
                if o.outcome != Some(Outcome::Accepted) || !voluntary {
                    continue;
                }
                // Within the 14 days of the cooling-off period, and not after today.
                let share = if s.pushy { 0.35 } else { 0.04 };
                let sold = o.outcome_at.unwrap_or(o.made_at).date();
                let on = in_days(sold, draw.between(1, 14));
                if draw.chance(share) && on <= opts.until && on <= now.date() {
                    cancels.push((client.id, c.started_at, o.product.clone(), on));
                }
            }
        }
        memory[ci].record(&c, &|id| plan.index_of(id));
        offers += c.offers.len() as u64;
        unfinished += u64::from(!c.is_finished());
        batch.push(c);
        if batch.len() == CONSULTATION_BATCH || k + 1 == n {
            let detail = format!(
                "demo seed {seed}: consultations {} to {}",
                batch_from + 1,
                k + 1
            );
            batch_from = k + 1;
            send(Batch::Consultations(std::mem::take(&mut batch), detail))?;
            progress(written.load(Ordering::Relaxed), total);
        }
    }
    Ok((n_holdings, offers, unfinished, cancels))
}

/// The client of the `k`-th meeting when visits are spaced out: the clients take turns, each
/// round in the same shuffled order, so a client comes back about every `clients` meetings.
fn spaced(k: u64, clients: usize, seed: u64) -> usize {
    let n = clients.max(1) as u64;
    let turn = k % n;
    // An affine bijection of 0..n: a multiplier coprime with n, an offset from the seed.
    let mut step = (Rng::of(seed, 8, 0).below(n) | 1).max(1);
    while gcd(step, n) != 1 {
        step += 2;
    }
    let offset = Rng::of(seed, 8, 1).below(n);
    ((turn as u128 * step as u128 + offset as u128) % n as u128) as usize
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The latest moment a consultation records.
pub(super) fn last_moment(c: &Consultation) -> NaiveDateTime {
    let offers = c
        .offers
        .iter()
        .flat_map(|o| std::iter::once(o.made_at).chain(o.outcome_at));
    let notes = c.notes.iter().map(|n| n.at);
    std::iter::once(c.started_at)
        .chain(c.finished_at)
        .chain(offers)
        .chain(notes)
        .max()
        .unwrap_or(c.started_at)
}
