#!/usr/bin/perl

# Statistics against an independent recount (SPEC sections 3, 5 and 7).
#
# A random history of a few thousand dossiers -- timestamps in other
# offsets near local midnight, date-only values, dossiers received
# tomorrow, updates that move dossiers between agencies, procedures,
# channels and outcomes, same-version resends, stale versions, deletions
# and revivals; since issue 18 also histories of apology letters (every
# letter kept across versions), due dates moved with a reason (and passed
# ones refused without one), dossiers without a deadline, and return
# channels as a grouping and a filter -- is written through the ingest
# API while the test keeps its own model of the current records by SPEC
# section 5's rules.  Then,
# for many random periods, groupings and filters, /api/v1/stats must equal
# a brute-force recount written here from SPEC section 7's counting rules
# only, and the identities of DOMAIN.md must hold in the totals, in every
# group and in every series element.
#
# The seed is printed; ONESTOP_SEED=N reproduces a run.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use JSON::PP;
use POSIX qw(floor strftime);
use Test::More;
use Time::HiRes ();
use Time::Local qw(timegm);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $SEED = $ENV{ONESTOP_SEED} // 20240615;
srand($SEED);
diag("stats_property seed $SEED (set ONESTOP_SEED to change it)");

my $started = Time::HiRes::time();
my $json = JSON::PP->new->utf8->canonical;

my $TODAY_S = '2024-06-15';
my $t = Onestop::Test->new(today => $TODAY_S, workers => 2);

$t->spew('keys', sha256_hex('stats-admin-key') . " * administrator\n");
$t->write_standard_conf(serve => [qw(stats ingest)], map_size => '1g',
    zone => '8m', server => 'client_max_body_size 50m;');

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer stats-admin-key');

# ---------------------------------------------------------------------
# dates, independently of the engine: a local date is a day number

use constant LOCAL => 7 * 3600;          # +07:00

sub day_of($y, $m, $d) { timegm(0, 0, 0, $d, $m - 1, $y) / 86400 }

sub ymd($day) { strftime('%Y-%m-%d', gmtime($day * 86400)) }

sub parse_ymd($s) {
    $s =~ /^(\d{4})-(\d\d)-(\d\d)$/ or die "bad date $s";
    return day_of($1, $2, $3);
}

# the local (+07:00) date of a section 3 value
sub local_day($s) {
    return undef unless defined $s;
    return parse_ymd($s) if $s =~ /^\d{4}-\d\d-\d\d$/;
    $s =~ /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d+)?
           (?:([Zz])|([+-])(\d\d):(\d\d))$/x or die "bad timestamp $s";
    my $epoch = timegm($6, $5, $4, $3, $2 - 1, $1);
    my $off = defined $7 ? 0 : ($8 eq '+' ? 1 : -1) * ($9 * 3600 + $10 * 60);
    return floor(($epoch - $off + LOCAL) / 86400);
}

sub civil($day) {
    my @g = gmtime($day * 86400);
    return ($g[5] + 1900, $g[4] + 1, $g[3]);
}

my $TODAY = parse_ymd($TODAY_S);

# ---------------------------------------------------------------------
# the catalog: three departments, two districts with communes; fields and
# procedures whose ids sort differently by bytes than by case-insensitive
# or numeric order

my @AGENCIES = (
    ['000.00.12.H36', 'Sở Tư pháp', 'province', undef],
    ['000.00.15.H36', 'Sở Xây dựng', 'province', undef],
    ['000.00.20.H36', 'Sở Tài nguyên và Môi trường', 'province', undef],
    ['000.00.30.H36', 'UBND huyện Bến Lức', 'district', undef],
    ['000.30.01.H36', 'UBND thị trấn Bến Lức', 'commune', '000.00.30.H36'],
    ['000.30.02.H36', 'UBND xã Thạnh Đức', 'commune', '000.00.30.H36'],
    ['000.30.03.H36', 'UBND xã Lương Hòa', 'commune', '000.00.30.H36'],
    ['000.00.31.H36', 'UBND huyện Cần Giuộc', 'district', undef],
    ['000.31.01.H36', 'UBND xã Phước Lý', 'commune', '000.00.31.H36'],
    ['000.31.02.H36', 'UBND thị trấn Cần Giuộc', 'commune', '000.00.31.H36'],
);
my @FIELDS = (
    ['tu-phap', 'Tư pháp'],
    ['xay-dung', 'Xây dựng'],
    ['ho-tich', 'Hộ tịch'],
    ['dat-dai', 'Đất đai'],
    ['Thuong-mai', 'Thương mại'],
);
my @PROCEDURES = (
    ['1.001234', 'Cấp phiếu lý lịch tư pháp', 'tu-phap'],
    ['2.000123', 'Chứng thực bản sao từ bản chính', 'tu-phap'],
    ['1.000894', 'Đăng ký khai sinh', 'ho-tich'],
    ['1.000656', 'Đăng ký kết hôn', 'ho-tich'],
    ['1.009999', 'Cấp giấy phép xây dựng', 'xay-dung'],
    ['1.004', 'Cấp giấy chứng nhận quyền sử dụng đất', 'dat-dai'],
    ['1.004001', 'Đăng ký biến động đất đai', 'dat-dai'],
    ['10.0001', 'Cấp giấy phép kinh doanh rượu', 'Thuong-mai'],
);

my (%AG, %FI, %PR);
$AG{ $_->[0] } = { name => $_->[1], level => $_->[2], parent => $_->[3] }
    for @AGENCIES;
$FI{ $_->[0] } = { name => $_->[1] } for @FIELDS;
$PR{ $_->[0] } = { name => $_->[1], field => $_->[2] } for @PROCEDURES;
my @AG_IDS = map { $_->[0] } @AGENCIES;
my @FI_IDS = map { $_->[0] } @FIELDS;
my @PR_IDS = map { $_->[0] } @PROCEDURES;
my @CHANNELS = qw(direct online postal);
my @LEVELS = qw(province district commune);

sub root_of($a) {
    $a = $AG{$a}{parent} while defined $AG{$a}{parent};
    return $a;
}

sub under($a, $top) {
    for (;;) {
        return 1 if $a eq $top;
        $a = $AG{$a}{parent} // return 0;
    }
}

sub catalog_body() {
    return $json->encode({
        agencies => [map { { id => $_->[0], name => $AG{ $_->[0] }{name},
            level => $_->[2], parent => $_->[3] } } @AGENCIES],
        fields => [map { { id => $_->[0], name => $FI{ $_->[0] }{name} } }
            @FIELDS],
        procedures => [map { { id => $_->[0], name => $PR{ $_->[0] }{name},
            field => $_->[2] } } @PROCEDURES],
    });
}

my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => catalog_body());
is($res->{status}, 200, 'catalog written') or diag($res->{content});

# ---------------------------------------------------------------------
# generating records

sub pick(@l) { $l[int rand @l] }

my @OFFSETS = ('Z', 'z', '-05:00', '+09:00', '+00:00', '+05:30', '-03:30');

sub off_secs($o) {
    return 0 if $o =~ /^[Zz]$/;
    $o =~ /^([+-])(\d\d):(\d\d)$/ or die;
    return ($1 eq '+' ? 1 : -1) * ($2 * 3600 + $3 * 60);
}

sub fmt_instant($epoch, $o) {
    my @g = gmtime($epoch + off_secs($o));
    my $s = sprintf('%04d-%02d-%02d%s%02d:%02d:%02d', $g[5] + 1900, $g[4] + 1,
        $g[3], rand() < 0.1 ? 't' : 'T', $g[2], $g[1], $g[0]);
    my $r = rand;
    $s .= '.' . int(rand(1000)) if $r < 0.08;
    $s .= '.999999' if $r >= 0.08 && $r < 0.1;
    return $s . $o;
}

# a value for local date $day: date only, +07:00, or another offset near
# local midnight so that the written date differs from the local one
sub ts($day) {
    my $r = rand;
    return ymd($day) if $r < 0.25;
    if ($r < 0.55) {
        my $sec = 7 * 3600 + int(rand(11 * 3600));
        return fmt_instant($day * 86400 + $sec - LOCAL, '+07:00');
    }
    my $sec = rand() < 0.5 ? int(rand(3 * 3600))
                           : 21 * 3600 + int(rand(3 * 3600));
    return fmt_instant($day * 86400 + $sec - LOCAL, pick(@OFFSETS));
}

# the same instant written in another offset (timestamps with an offset
# only; date-only values stay as they are)
sub reexpress($s) {
    return $s unless defined $s && $s =~ /[Tt]/;
    $s =~ /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)((?:\.\d+)?)
           (?:([Zz])|([+-])(\d\d):(\d\d))$/x or die;
    my $epoch = timegm($6, $5, $4, $3, $2 - 1, $1)
        - (defined $8 ? 0 : ($9 eq '+' ? 1 : -1) * ($10 * 3600 + $11 * 60));
    my $o = pick('+07:00', @OFFSETS);
    my @g = gmtime($epoch + off_secs($o));
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d%s%s', $g[5] + 1900,
        $g[4] + 1, $g[3], $g[2], $g[1], $g[0], $7, $o);
}

my @SURNAMES = ('Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Đặng',
    'Bùi');
my @GIVEN = ('Văn An', 'Thị Bích', 'Minh Châu', 'Hữu Đức', 'Thị Ánh',
    'Quốc Bảo', 'Ngọc Hân');

sub applicant() {
    return { name => 'Công ty TNHH ' . pick('Phú Mỹ', 'Tân An', 'Long Hậu'),
        type => 'organization' } if rand() < 0.1;
    my $a = { name => pick(@SURNAMES) . ' ' . pick(@GIVEN) };
    $a->{type} = 'citizen' if rand() < 0.3;
    return $a;
}

sub outcome_for($R) {
    my $age = $TODAY - $R;
    my $p = $age < 0 ? 1 : $age < 30 ? 0.55 : $age < 120 ? 0.15 : 0.04;
    return 'processing' if rand() < $p;
    return rand() < 0.12 ? 'withdrawn' : 'resolved';
}

# set the date members of $rec for local dates $R (received) and $D (due)
sub set_dates($rec, $R, $D, $outcome) {
    delete @$rec{qw(resolved_at returned_at withdrawn_at apology)};
    $rec->{received_at} = ts($R);
    $rec->{due_at} = rand() < 0.3 ? ymd($D) : rand() < 0.7
        ? ymd($D) . 'T17:00:00+07:00' : ts($D);
    # a procedure without a deadline now and then (issue 18)
    $rec->{due_at} = undef if rand() < 0.06;
    # versions move due dates at random: with a reason, as a passed one
    # needs (issue 18; t/due_change.t tests the refusal)
    $rec->{due_change} = rand() < 0.5 ? 'correction' : 'supplement';
    my $room = $TODAY + 1 - $R;            # days up to tomorrow
    if ($outcome eq 'resolved' && $room >= 0) {
        my $S;
        if (rand() < 0.2 && $D <= $TODAY + 1) {
            $S = $D;
        } else {
            $S = $R + int(rand(($D - $R) * 1.5 + 4));
        }
        $S = $R + int(rand($room + 1)) if $S > $TODAY + 1;
        $rec->{resolved_at} = ts($S);
        if (rand() < 0.6) {
            my $Tr = $S + int(rand(6));
            $rec->{returned_at} = ts($Tr) if $Tr <= $TODAY + 1;
        }
    } elsif ($outcome eq 'withdrawn' && $room >= 0) {
        my $W = $R + int(rand(($room < 30 ? $room : 30) + 1));
        $rec->{withdrawn_at} = ts($W);
    }
    if (rand() < 0.3) {
        # explicit nulls are absent values
        for my $k (qw(resolved_at returned_at withdrawn_at apology)) {
            $rec->{$k} = undef unless exists $rec->{$k};
        }
    }
    if (rand() < 0.12 && $room >= 0 && defined $rec->{due_at}) {
        my $I = $R + int(rand($room + 1));
        # never after a dossier closed by its due date (rules.md 2)
        my $C = local_day($rec->{resolved_at} // $rec->{withdrawn_at});
        $I = $R + int(rand($C - $R + 1))
            if defined $C && $C <= local_day($rec->{due_at}) && $I > $C;
        $rec->{apology} = { issued_at => ts($I),
            new_due_at => ymd($D + 1 + int(rand(14))) };
        $rec->{apology}{reason} = 'Hồ sơ cần xác minh thêm' if rand() < 0.5;
    }
    my $rc = rand;
    if ($rc < 0.25) { $rec->{return_channel} = 'postal' }
    elsif ($rc < 0.35) { $rec->{return_channel} = 'online' }
    elsif ($rc < 0.45) { $rec->{return_channel} = 'counter' }
    else { delete $rec->{return_channel} }
}

sub random_received() {
    my $r = rand;
    return $TODAY + 1 if $r < 0.01;                       # tomorrow
    return $TODAY - int(rand(45)) if $r < 0.25;           # recent
    return $TODAY - int(rand(3 * 365 + 30));              # ~3 years
}

sub new_record($code, $version) {
    my $R = random_received();
    my $D = $R + int(rand(31));
    my $rec = {
        code => $code,
        version => $version,
        agency => pick(@AG_IDS),
        procedure => pick(@PR_IDS),
        channel => pick(@CHANNELS),
        applicant => applicant(),
    };
    $rec->{contact} = { phone => '09' . join('', map { int rand 10 } 1 .. 8) }
        if rand() < 0.3;
    set_dates($rec, $R, $D, outcome_for($R));
    return $rec;
}

sub copy($x) { JSON::PP->new->decode(JSON::PP->new->encode($x)) }

# a new version of a stored record: 1 to 3 changes
sub mutate($old, $version) {
    my $rec = copy($old);
    $rec->{version} = $version;
    my $R = local_day($rec->{received_at});
    my $D = local_day($rec->{due_at}) // $R + int(rand(31));
    my $n = 1 + int(rand(3));
    my $changed_dates = 0;
    for (1 .. $n) {
        my $what = pick(qw(agency agency procedure procedure channel
            return_channel outcome outcome unresolve received applicant));
        if ($what eq 'agency') {
            my $a;
            do { $a = pick(@AG_IDS) } while $a eq $rec->{agency};
            $rec->{agency} = $a;
        } elsif ($what eq 'procedure') {
            my $p;
            do { $p = pick(@PR_IDS) } while $p eq $rec->{procedure};
            $rec->{procedure} = $p;
        } elsif ($what eq 'channel') {
            my $c;
            do { $c = pick(@CHANNELS) } while $c eq $rec->{channel};
            $rec->{channel} = $c;
        } elsif ($what eq 'return_channel') {
            $rec->{return_channel} = pick(qw(postal online counter));
        } elsif ($what eq 'outcome') {
            set_dates($rec, $R, $D, pick(qw(resolved resolved withdrawn
                processing)));
            $changed_dates = 1;
        } elsif ($what eq 'unresolve') {
            delete @$rec{qw(resolved_at returned_at withdrawn_at)};
        } elsif ($what eq 'received') {
            $R = random_received();
            $D = $R + int(rand(31));
            set_dates($rec, $R, $D, outcome_for($R));
            $changed_dates = 1;
        } else {
            $rec->{applicant} = applicant();
        }
    }
    # make sure something that counts changes now and then
    $rec->{applicant}{name} .= ' Jr' if !$changed_dates && rand() < 0.05;
    return $rec;
}

# ---------------------------------------------------------------------
# the model: code -> { version, dead, rec, and the local dates }

my %M;

sub model_apply($rec) {
    my $m = $M{ $rec->{code} };
    my $v = $rec->{version};
    if ($m) {
        if ($m->{dead}) {
            return 'stale' if $v <= $m->{version};
        } else {
            return 'stale' if $v < $m->{version};
            if ($v == $m->{version}) {
                return same_content($m->{rec}, $rec) ? 'unchanged'
                    : 'conflict';
            }
        }
    }
    my $new = derive($rec);
    history($m && !$m->{dead} ? $m : undef, $new);
    $M{ $rec->{code} } = $new;
    return 'accepted';
}

# an instant in seconds (a date: its local midnight), or undef
sub instant($s) {
    return undef unless defined $s;
    return parse_ymd($s) * 86400 - LOCAL if $s =~ /^\d{4}-\d\d-\d\d$/;
    return substr(norm_time($s), 1);
}

# what the store keeps across versions (issue 18): the letters a version
# replaces (a letter sent again with its issue instant is that letter),
# and the day of the first change of a due date that had passed (the
# writes happen "today")
sub history($prev, $new) {
    $new->{earlier} = [];
    $new->{moved_late} = undef;
    return unless $prev;
    my $ap = $new->{rec}{apology};
    my $cur = $ap ? instant($ap->{issued_at}) : undef;
    my @e = grep { !defined $cur || instant($_->{issued_at}) != $cur }
        @{ $prev->{earlier} };
    my $old = $prev->{rec}{apology};
    push @e, $old
        if $old && (!defined $cur || instant($old->{issued_at}) != $cur);
    $new->{earlier} = \@e;
    my ($od, $nd) = (instant($prev->{rec}{due_at}),
        instant($new->{rec}{due_at}));
    my $moved = defined $od != defined $nd
        || (defined $od && $od != $nd);
    $new->{moved_late} = $prev->{moved_late}
        // ($moved && defined $od && $prev->{D} < $TODAY ? $TODAY : undef);
}

# the local days of a dossier's letters, every one kept
sub letter_days($d) {
    return map { local_day($_->{issued_at}) }
        @{ $d->{earlier} // [] }, $d->{rec}{apology} // ();
}

sub derive($rec) {
    return {
        version => $rec->{version},
        dead => 0,
        rec => copy($rec),
        code => $rec->{code},
        agency => $rec->{agency},
        procedure => $rec->{procedure},
        channel => $rec->{channel},
        return_channel => $rec->{return_channel} // 'counter',
        R => local_day($rec->{received_at}),
        D => local_day($rec->{due_at}),
        S => local_day($rec->{resolved_at}),
        W => local_day($rec->{withdrawn_at}),
        T => local_day($rec->{returned_at}),
    };
}

# section 5's "same content": the normalised record, times as instants
sub norm_time($s) {
    return undef unless defined $s;
    return "D$s" if $s =~ /^\d{4}-\d\d-\d\d$/;
    $s =~ /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d+)?
           (?:([Zz])|([+-])(\d\d):(\d\d))$/x or die;
    return 'E' . (timegm($6, $5, $4, $3, $2 - 1, $1)
        - (defined $7 ? 0 : ($8 eq '+' ? 1 : -1) * ($9 * 3600 + $10 * 60)));
}

sub normal($r) {
    my %n = (map { $_ => $r->{$_} } qw(code version agency procedure channel));
    $n{return_channel} = $r->{return_channel} // 'counter';
    $n{applicant} = { name => $r->{applicant}{name},
        type => $r->{applicant}{type} // 'citizen' };
    $n{contact} = $r->{contact};
    $n{$_} = norm_time($r->{$_}) for qw(received_at due_at resolved_at
        returned_at withdrawn_at);
    if ($r->{apology}) {
        $n{apology} = { issued_at => norm_time($r->{apology}{issued_at}),
            new_due_at => norm_time($r->{apology}{new_due_at}),
            reason => $r->{apology}{reason} };
    }
    return $json->encode(\%n);
}

sub same_content($a, $b) { normal($a) eq normal($b) }

# ---------------------------------------------------------------------
# writing

my $batches = 0;

sub send_batch($recs, $fmt = undef) {
    $fmt //= pick(qw(array array ndjson));
    $fmt = 'single' if @$recs == 1 && rand() < 0.5;
    # expected counts, on a copy of the model
    my %save = %M;
    my %want = (accepted => 0, unchanged => 0, stale => 0);
    my $conflict = 0;
    for my $r (@$recs) {
        my $k = model_apply($r);
        $k eq 'conflict' ? $conflict++ : $want{$k}++;
    }
    my ($body, %h) = ('', %admin);
    if ($fmt eq 'ndjson') {
        $body = join('', map { $json->encode($_) . "\n" } @$recs);
        $h{'Content-Type'} = 'application/x-ndjson';
    } elsif ($fmt eq 'single') {
        $body = $json->encode($recs->[0]);
        $h{'Content-Type'} = 'application/json';
    } else {
        $body = $json->encode($recs);
        $h{'Content-Type'} = 'application/json';
    }
    my $res = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%h,
        body => $body);
    $batches++;
    if ($conflict) {
        %M = %save;
        return ($res, 'conflict');
    }
    my $got = eval { $json->decode($res->{content}) };
    my $ok = $res->{status} == 200 && $got
        && ($got->{accepted} // -1) == $want{accepted}
        && ($got->{unchanged} // -1) == $want{unchanged}
        && ($got->{stale} // -1) == $want{stale};
    return ($res, $ok ? 'ok' : sprintf('want 200 %s, got %s %s',
        $json->encode(\%want), $res->{status}, $res->{content}));
}

my @bad_writes;

sub write_ok($recs, $what, $fmt = undef) {
    my ($res, $r) = send_batch($recs, $fmt);
    push @bad_writes, "$what: $r" unless $r eq 'ok';
}

# ---------------------------------------------------------------------
# the recount (SPEC section 7, from the model only)

my @COUNTERS = qw(carried_over received received_online received_direct
    received_postal resolved resolved_early resolved_on_time resolved_late
    resolved_in_time resolved_no_deadline withdrawn withdrawn_in_time
    returned_postal pending pending_not_due pending_overdue apologies_issued
    due_moved_late resolution_rate on_time_rate progress_rate);
my @INTS = grep { !/_rate$/ } @COUNTERS;

sub contrib($d, $from, $to, $c) {
    my ($R, $D, $S, $W, $T) = @$d{qw(R D S W T)};
    my $any = 0;
    if ($R >= $from && $R <= $to) {
        $c->{received}++;
        $c->{"received_$d->{channel}"}++;
        $any = 1;
    }
    if (defined $S && $S >= $from && $S <= $to) {
        $c->{resolved}++;
        if (!defined $D) { $c->{resolved_no_deadline}++ }
        elsif ($S < $D) { $c->{resolved_early}++; $c->{resolved_in_time}++ }
        elsif ($S == $D) { $c->{resolved_on_time}++; $c->{resolved_in_time}++ }
        else { $c->{resolved_late}++ }
        $any = 1;
    }
    if (defined $W && $W >= $from && $W <= $to) {
        $c->{withdrawn}++;
        # by its due date, or without one (Decision 766)
        $c->{withdrawn_in_time}++ if !defined $D || $W <= $D;
        $any = 1;
    }
    if (defined $T && $T >= $from && $T <= $to
        && $d->{return_channel} eq 'postal')
    {
        $c->{returned_postal}++;
        $any = 1;
    }
    if ($R < $from && !(defined $S && $S < $from)
        && !(defined $W && $W < $from))
    {
        $c->{carried_over}++;
        $any = 1;
    }
    if ($R <= $to && !(defined $S && $S <= $to)
        && !(defined $W && $W <= $to))
    {
        $c->{pending}++;
        defined $D && $D < $to ? $c->{pending_overdue}++
            : $c->{pending_not_due}++;
        $any = 1;
    }
    for my $I (letter_days($d)) {
        next unless $I >= $from && $I <= $to;
        $c->{apologies_issued}++;
        $any = 1;
    }
    my $ML = $d->{moved_late};
    if (defined $ML && $ML >= $from && $ML <= $to) {
        $c->{due_moved_late}++;
        $any = 1;
    }
    return $any;
}

sub zero() { my %c = map { $_ => 0 } @INTS; \%c }

sub rates($c) {
    my $den = $c->{carried_over} + $c->{received};
    $c->{resolution_rate} = $den ? $c->{resolved} / $den : undef;
    # on time among those judged against a deadline (issue 18)
    my $judged = $c->{resolved} - $c->{resolved_no_deadline};
    $c->{on_time_rate} = $judged ? $c->{resolved_in_time} / $judged : undef;
    # Decision 766/QĐ-TTg, group 2: handled within time, done or not yet
    $c->{progress_rate} = $den ? ($c->{resolved_in_time}
        + $c->{resolved_no_deadline} + $c->{withdrawn_in_time}
        + $c->{pending_not_due}) / $den : undef;
    return $c;
}

sub dim_value($d, $dim) {
    return $d->{agency} if $dim eq 'agency';
    return root_of($d->{agency}) if $dim eq 'top_agency';
    return $PR{ $d->{procedure} }{field} if $dim eq 'field';
    return $d->{procedure} if $dim eq 'procedure';
    return $d->{channel} if $dim eq 'channel';
    return $AG{ $d->{agency} }{level} if $dim eq 'level';
    return $d->{return_channel} if $dim eq 'return_channel';
    die $dim;
}

sub dim_name($dim, $v) {
    return $AG{$v}{name} if $dim eq 'agency' || $dim eq 'top_agency';
    return $FI{$v}{name} if $dim eq 'field';
    return $PR{$v}{name} if $dim eq 'procedure';
    return undef;
}

sub passes($d, $f) {
    return 0 if defined $f->{agency} && $d->{agency} ne $f->{agency};
    return 0 if defined $f->{under} && !under($d->{agency}, $f->{under});
    return 0 if defined $f->{field}
        && $PR{ $d->{procedure} }{field} ne $f->{field};
    return 0 if defined $f->{procedure} && $d->{procedure} ne $f->{procedure};
    return 0 if defined $f->{channel} && $d->{channel} ne $f->{channel};
    return 0 if defined $f->{level}
        && $AG{ $d->{agency} }{level} ne $f->{level};
    return 0 if defined $f->{return_channel}
        && $d->{return_channel} ne $f->{return_channel};
    return 1;
}

sub live() { grep { !$_->{dead} } values %M }

sub first_received() {
    my $min;
    for (live()) { $min = $_->{R} if !defined $min || $_->{R} < $min }
    return $min // $TODAY;
}

# the expected answer: totals and groups
sub recount($from, $to, $dims, $f) {
    my $tot = zero();
    my %g;
    for my $d (live()) {
        next unless passes($d, $f);
        contrib($d, $from, $to, $tot) or next;
        next unless @$dims;
        my @v = map { dim_value($d, $_) } @$dims;
        my $key = join("\0", @v);
        $g{$key} //= { vals => \@v, c => zero() };
        contrib($d, $from, $to, $g{$key}{c});
    }
    rates($tot);
    my @groups;
    for my $key (sort {
            my ($x, $y) = ($g{$a}{vals}, $g{$b}{vals});
            my $r = 0;
            for my $i (0 .. $#$x) { $r = $x->[$i] cmp $y->[$i] and last }
            $r } keys %g)
    {
        my $c = $g{$key}{c};
        next unless grep { $c->{$_} } @INTS;
        my %e = %{ rates($c) };
        for my $i (0 .. $#$dims) {
            my ($dim, $v) = ($dims->[$i], $g{$key}{vals}[$i]);
            $e{$dim} = $v;
            my $n = dim_name($dim, $v);
            $e{"${dim}_name"} = $n if defined $n;
        }
        push @groups, \%e;
    }
    return ($tot, \@groups);
}

# ---------------------------------------------------------------------
# comparing

sub cmp_counters($got, $want, $where, $diffs) {
    if (ref $got ne 'HASH') {
        push @$diffs, "$where: not an object";
        return;
    }
    for my $k (@COUNTERS) {
        my ($g, $w) = ($got->{$k}, $want->{$k});
        if (!exists $got->{$k}) {
            push @$diffs, "$where.$k missing";
        } elsif ($k =~ /_rate$/) {
            if (defined $w != defined $g
                || (defined $w && abs($g - $w) > 1e-12))
            {
                push @$diffs, "$where.$k: got " . ($g // 'null')
                    . ', want ' . ($w // 'null');
            }
        } elsif (!defined $g || $g !~ /^\d+\z/ || $g != $w) {
            push @$diffs, "$where.$k: got " . ($g // 'null') . ", want $w";
        }
    }
}

sub check_identities($c, $where, $diffs) {
    return unless ref $c eq 'HASH';
    no warnings 'uninitialized';
    push @$diffs, "$where: carried_over + received != resolved + withdrawn"
        . " + pending ($c->{carried_over} + $c->{received} != $c->{resolved}"
        . " + $c->{withdrawn} + $c->{pending})"
        unless $c->{carried_over} + $c->{received}
            == $c->{resolved} + $c->{withdrawn} + $c->{pending};
    push @$diffs, "$where: pending != pending_not_due + pending_overdue"
        unless $c->{pending} == $c->{pending_not_due} + $c->{pending_overdue};
    push @$diffs, "$where: resolved != early + on_time + late + no deadline"
        unless $c->{resolved} == $c->{resolved_early}
            + $c->{resolved_on_time} + $c->{resolved_late}
            + $c->{resolved_no_deadline};
    push @$diffs, "$where: resolved_in_time != early + on_time"
        unless $c->{resolved_in_time} == $c->{resolved_early}
            + $c->{resolved_on_time};
    push @$diffs, "$where: received != online + direct + postal"
        unless $c->{received} == $c->{received_online}
            + $c->{received_direct} + $c->{received_postal};
}

# the sub-periods of [from, to] for an interval, calendar-aligned
sub unit_end($day, $interval) {
    my ($y, $m, $d) = civil($day);
    return $day if $interval eq 'day';
    if ($interval eq 'month') {
        return ($m == 12 ? day_of($y + 1, 1, 1) : day_of($y, $m + 1, 1)) - 1;
    }
    if ($interval eq 'quarter') {
        my $q = int(($m - 1) / 3) * 3 + 1;
        return ($q == 10 ? day_of($y + 1, 1, 1) : day_of($y, $q + 3, 1)) - 1;
    }
    return day_of($y + 1, 1, 1) - 1;
}

sub subperiods($from, $to, $interval) {
    my @p;
    for (my $a = $from; $a <= $to; ) {
        my $b = unit_end($a, $interval);
        $b = $to if $b > $to;
        push @p, [$a, $b];
        $a = $b + 1;
    }
    return @p;
}

# ---------------------------------------------------------------------
# queries

my @DIMS = qw(agency top_agency field procedure channel level);
my @failures;
my $queries = 0;

sub random_day_around() {
    my $first = first_received();
    return $first - 60 + int(rand($TODAY - $first + 100));
}

sub random_query($interval = undef) {
    my (%q, %f, @dims);
    my $r = rand;
    if ($r < 0.08) {
        # defaults
    } elsif ($r < 0.22) {
        $q{period} = pick(qw(today month quarter year all));
    } elsif ($r < 0.27) {
        $q{from} = ymd(random_day_around());
        $q{from} = ymd($TODAY) if parse_ymd($q{from}) > $TODAY;
    } elsif ($r < 0.32) {
        # not before the first dossier: `from` defaults to its date
        my $d = random_day_around();
        $d = first_received() if $d < first_received();
        $q{to} = ymd($d);
    } elsif ($r < 0.42) {
        my $d = $TODAY - int(rand(3 * 365));
        $q{from} = $q{to} = ymd($d);
    } elsif ($r < 0.52) {
        # across a year boundary
        my $y = 2021 + int(rand(4));
        $q{from} = ymd(day_of($y - 1, 12, 1) + int(rand(31)));
        $q{to} = ymd(day_of($y, 1, 1) + int(rand(60)));
    } elsif ($r < 0.58) {
        # `to` after today
        $q{from} = ymd($TODAY - int(rand(400)));
        $q{to} = ymd($TODAY + 1 + int(rand(400)));
    } elsif ($r < 0.62) {
        # before the first dossier
        my $first = first_received();
        my $a = $first - 1 - int(rand(300));
        $q{from} = ymd($a - int(rand(100)));
        $q{to} = ymd($a);
    } else {
        my ($a, $b) = (random_day_around(), random_day_around());
        ($a, $b) = ($b, $a) if $a > $b;
        $a = $TODAY if $a > $TODAY;
        $q{from} = ymd($a);
        $q{to} = ymd($b);
    }
    if ($interval) {
        $q{interval} = $interval;
        if ($interval eq 'day') {
            # keep the series short
            delete @q{qw(period from to)};
            my $a = $TODAY - int(rand(3 * 365));
            $q{from} = ymd($a);
            $q{to} = ymd($a + int(rand(40)));
        }
    } else {
        my @pool = @DIMS;
        my $n = int(rand(4));
        for (1 .. $n) { push @dims, splice(@pool, int(rand @pool), 1) }
        $q{group} = join(',', @dims) if @dims;
    }
    $f{agency} = pick(@AG_IDS) if rand() < 0.1;
    $f{under} = pick(@AG_IDS) if rand() < 0.15;
    $f{field} = pick(@FI_IDS) if rand() < 0.12;
    $f{procedure} = pick(@PR_IDS) if rand() < 0.08;
    $f{channel} = pick(@CHANNELS) if rand() < 0.15;
    $f{level} = pick(@LEVELS) if rand() < 0.1;
    # by return channel (issue 18): counted by agency, so without field
    # and procedure
    my $rc = rand;
    if (!$interval && $rc < 0.12 && @dims < 3) {
        push @dims, 'return_channel';
    } elsif ($rc >= 0.12 && $rc < 0.2) {
        $f{return_channel} = pick(qw(counter postal online));
    }
    if (grep({ $_ eq 'return_channel' } @dims) || $f{return_channel}) {
        @dims = grep { $_ ne 'field' && $_ ne 'procedure' } @dims;
        delete @f{qw(field procedure)};
    }
    if ($interval) {
        delete $q{group};
    } elsif (@dims) {
        $q{group} = join(',', @dims);
    } else {
        delete $q{group};
    }
    return (\%q, \%f, \@dims);
}

sub query_string($q, $f) {
    my @a;
    for my $k (qw(period from to interval group)) {
        push @a, "$k=$q->{$k}" if defined $q->{$k};
    }
    for my $k (sort keys %$f) { push @a, "$k=$f->{$k}" }
    return join('&', @a);
}

# the effective period
sub effective($q) {
    my $first = first_received();
    my ($y, $m) = civil($TODAY);
    my $p = $q->{period} // '';
    return ($TODAY, $TODAY) if $p eq 'today';
    return (day_of($y, $m, 1), $TODAY) if $p eq 'month';
    return (day_of($y, int(($m - 1) / 3) * 3 + 1, 1), $TODAY)
        if $p eq 'quarter';
    return (day_of($y, 1, 1), $TODAY) if $p eq 'year';
    my $from = defined $q->{from} ? parse_ymd($q->{from})
        : ($first < $TODAY ? $first : $TODAY);
    my $to = defined $q->{to} ? parse_ymd($q->{to}) : $TODAY;
    $to = $TODAY if $to > $TODAY;
    return ($from, $to);
}

my ($transport_errors, $gave_up) = (0, 0);

sub check_query($q, $f, $dims, $label) {
    return if $gave_up;
    my $qs = query_string($q, $f);
    my $res = $t->get("/api/v1/stats?$qs");
    $queries++;
    # a server that stopped answering would cost the client's timeout on
    # every query: give up after three failures in a row
    $transport_errors = $res->{status} == 599 ? $transport_errors + 1 : 0;
    if ($transport_errors >= 3) {
        $gave_up = 1;
        fail('the server answers (three transport errors in a row: '
            . substr($res->{content}, 0, 200) . ')');
        diag($_) for grep { /\[(alert|crit|emerg)\]/ }
            split /\n/, $t->error_log;
        return;
    }
    my @d;
    my $got = $res->{status} == 200 ? eval { $json->decode($res->{content}) }
        : undef;
    if (!$got) {
        push @d, "status $res->{status}: " . substr($res->{content}, 0, 300);
    } else {
        my ($from, $to) = effective($q);
        push @d, 'from: got ' . ($got->{from} // 'null') . ', want '
            . ymd($from) unless ($got->{from} // '') eq ymd($from);
        push @d, 'to: got ' . ($got->{to} // 'null') . ', want ' . ymd($to)
            unless ($got->{to} // '') eq ymd($to);
        if (@$dims) {
            push @d, 'group echo: got ' . $json->encode($got->{group})
                . ', want ' . $json->encode($dims)
                unless ref $got->{group} eq 'ARRAY'
                    && "@{ $got->{group} }" eq "@$dims";
        }
        my ($tot, $groups) = recount($from, $to, $dims, $f);
        cmp_counters($got->{totals}, $tot, 'totals', \@d);
        check_identities($got->{totals}, 'totals', \@d);
        if ($q->{interval}) {
            check_series($got, $from, $to, $q->{interval}, $f, \@d);
        } else {
            check_groups($got->{groups}, $groups, $dims, \@d);
        }
    }
    my $ok = ok(!@d, "$label: /api/v1/stats?$qs");
    unless ($ok) {
        diag(join("\n", grep { defined } @d[0 .. ($#d < 11 ? $#d : 11)]));
        diag('... and ' . (@d - 12) . ' more') if @d > 12;
        push @failures, { query => $qs, diffs => [@d[0 .. ($#d < 5 ? $#d : 5)]] };
    }
    return $got;
}

sub check_groups($got, $want, $dims, $d) {
    if (ref $got ne 'ARRAY') {
        push @$d, 'groups is not an array';
        return;
    }
    my $gk = sub ($e) { join(' / ', map { $e->{$_} // 'null' } @$dims) };
    if (@$got != @$want) {
        my %w = map { $gk->($_) => 1 } @$want;
        my %g = map { $gk->($_) => 1 } @$got;
        push @$d, sprintf('groups: got %d, want %d; missing [%s]; extra [%s]',
            scalar @$got, scalar @$want,
            join('; ', grep { !$g{$_} } map { $gk->($_) } @$want),
            join('; ', grep { !$w{$_} } map { $gk->($_) } @$got));
    }
    my $n = @$got < @$want ? @$got : @$want;
    for my $i (0 .. $n - 1) {
        my ($g, $w) = ($got->[$i], $want->[$i]);
        my $where = "groups[$i] (" . $gk->($w) . ')';
        for my $dim (@$dims) {
            push @$d, "$where.$dim: got " . ($g->{$dim} // 'null')
                . ", want $w->{$dim}"
                unless ($g->{$dim} // "\0") eq $w->{$dim};
            my $nk = "${dim}_name";
            if (exists $w->{$nk}) {
                push @$d, "$where.$nk: got " . ($g->{$nk} // 'null')
                    . ", want $w->{$nk}"
                    unless ($g->{$nk} // "\0") eq $w->{$nk};
            }
        }
        cmp_counters($g, $w, $where, $d);
        check_identities($g, $where, $d);
    }
    for my $i (0 .. $#$got) {
        my $g = $got->[$i];
        push @$d, "groups[$i]: every counter is 0"
            unless grep { $g->{$_} } @INTS;
    }
}

sub check_series($got, $from, $to, $interval, $f, $d) {
    my $s = $got->{series};
    if (ref $s ne 'ARRAY') {
        push @$d, 'series is not an array';
        return;
    }
    # consecutive sub-periods covering [from, to]
    my $next = $from;
    for my $i (0 .. $#$s) {
        my ($a, $b) = eval { (parse_ymd($s->[$i]{from}), parse_ymd($s->[$i]{to})) };
        if (!defined $b) {
            push @$d, "series[$i]: bad from/to";
            return;
        }
        push @$d, "series[$i].from " . ymd($a) . ' does not follow '
            . ymd($next - 1) unless $a == $next;
        push @$d, "series[$i]: from after to" if $a > $b;
        $next = $b + 1;
        # each element equals the recount of its own sub-period
        my ($tot) = recount($a, $b, [], $f);
        cmp_counters($s->[$i], $tot, "series[$i] " . ymd($a) . '..' . ymd($b),
            $d);
        check_identities($s->[$i], "series[$i]", $d);
    }
    push @$d, 'series ends at ' . ymd($next - 1) . ', want ' . ymd($to)
        unless $next == $to + 1;
    # and the sub-periods are the calendar's
    my @want = subperiods($from, $to, $interval);
    my $gotp = join(' ', map { "$_->{from}..$_->{to}" } @$s);
    my $wantp = join(' ', map { ymd($_->[0]) . '..' . ymd($_->[1]) } @want);
    if ($gotp ne $wantp) {
        push @$d, "series periods: got "
            . (length $gotp > 200 ? substr($gotp, 0, 200) . '...' : $gotp)
            . ", want "
            . (length $wantp > 200 ? substr($wantp, 0, 200) . '...' : $wantp);
    }
}

sub fixed_queries($label) {
    # a few that always run: the whole history by each dimension
    for my $dim (@DIMS) {
        check_query({ period => 'all', group => $dim }, {}, [$dim],
            "$label fixed");
    }
    check_query({ group => 'top_agency,agency,channel' }, {},
        [qw(top_agency agency channel)], "$label fixed");
    check_query({ from => ymd($TODAY), to => ymd($TODAY + 1),
        group => 'level,field' }, {}, [qw(level field)], "$label fixed");
    check_query({ from => ymd($TODAY - 30), group => 'agency' },
        { under => '000.00.30.H36' }, ['agency'], "$label fixed");
    check_query({ period => 'all', group => 'top_agency,return_channel' },
        {}, [qw(top_agency return_channel)], "$label fixed");
    check_query({ period => 'year', group => 'channel' },
        { return_channel => 'postal' }, ['channel'], "$label fixed");
}

sub random_queries($n, $label) {
    for (1 .. $n) {
        my ($q, $f, $dims) = random_query();
        check_query($q, $f, $dims, $label);
    }
    for my $interval (qw(day month quarter year)) {
        my ($q, $f) = random_query($interval);
        check_query($q, $f, [], "$label series");
    }
}

# ---------------------------------------------------------------------
# phase 1: the initial load, about 3000 dossiers in batches

my $NCODES = 3000;
my @codes = map { sprintf('HS-%02d%02d-%05d', 21 + $_ % 4, 1 + $_ % 12, $_) }
    1 .. $NCODES;
{
    my @recs = map { new_record($_, 1 + int(rand(3))) } @codes;
    while (@recs) {
        my @b = splice(@recs, 0, 100 + int(rand(300)));
        write_ok(\@b, 'initial load');
    }
}
is(scalar(grep { !$_->{dead} } values %M), $NCODES, 'model holds the load');
is_deeply(\@bad_writes, [], 'the initial load is accepted as the model says')
    or diag(join("\n", @bad_writes[0 .. ($#bad_writes < 5 ? $#bad_writes : 5)]));
@bad_writes = ();

{
    my %kind;
    for my $d (live()) {
        $kind{ defined $d->{W} ? 'withdrawn' : defined $d->{T} ? 'returned'
             : defined $d->{S} ? 'resolved' : 'processing' }++;
        $kind{tomorrow}++ if $d->{R} > $TODAY;
        $kind{shifted}++ if $d->{rec}{received_at} =~ /^(\d{4}-\d\d-\d\d)[Tt]/
            && parse_ymd($1) != $d->{R};
    }
    note('history: ' . join(', ', map { "$_ $kind{$_}" } sort keys %kind));
    ok(($kind{shifted} // 0) > 50 && ($kind{tomorrow} // 0) > 0,
        'the history has shifted local dates and dossiers received tomorrow');
}

fixed_queries('load');
random_queries(45, 'load');

# ---------------------------------------------------------------------
# phase 2: rounds of updates, resends and stale versions

for my $round (1 .. 4) {
    my (@batch, %P);
    my @live = grep { !$M{$_}{dead} } @codes;
    for (1 .. 450) {
        my $code = pick(@live);
        my $cur = $P{$code} // $M{$code}{rec};
        my $r = rand;
        if ($r < 0.6) {
            # a higher version: a move, a new outcome, ...
            my $rec = mutate($cur, $cur->{version} + 1 + int(rand(3)));
            push @batch, $rec;
            $P{$code} = $rec;
        } elsif ($r < 0.8) {
            push @batch, copy($cur);                     # unchanged
        } elsif ($cur->{version} > 1) {
            # an older version, with other content: stale
            push @batch, mutate($cur, 1 + int(rand($cur->{version} - 1)));
        }
    }
    # in order, in a few batches of each kind
    while (@batch) {
        my @b = splice(@batch, 0, 40 + int(rand(160)));
        write_ok(\@b, "update round $round");
    }
    is_deeply(\@bad_writes, [], "update round $round: counts as the model"
        . ' says') or diag(join("\n", @bad_writes[0 .. ($#bad_writes < 5
            ? $#bad_writes : 5)]));
    @bad_writes = ();
    random_queries(12, "round $round");
}

# the same records written again with their timestamps in other offsets
# (the same instants) and the defaults spelt out: unchanged
{
    my @b;
    for my $code (grep { !$M{$_}{dead} } @codes[0 .. 299]) {
        my $rec = copy($M{$code}{rec});
        $rec->{$_} = reexpress($rec->{$_})
            for qw(received_at due_at resolved_at returned_at withdrawn_at);
        $rec->{apology}{issued_at} = reexpress($rec->{apology}{issued_at})
            if $rec->{apology};
        $rec->{return_channel} //= 'counter';
        $rec->{applicant}{type} //= 'citizen';
        push @b, $rec;
    }
    my ($res, $r) = send_batch(\@b, 'array');
    is($r, 'ok', 'the same instants in other offsets, defaults spelt out:'
        . ' unchanged') or diag($r);
}

# a batch with a version conflict is refused whole
{
    my $fresh = new_record('HS-CONFLICT-1', 1);
    my ($code) = grep { !$M{$_}{dead} } @codes;
    my $other = copy($M{$code}{rec});
    $other->{channel} = $other->{channel} eq 'postal' ? 'online' : 'postal';
    my ($res, $r) = send_batch([$fresh, $other], 'array');
    is($r, 'conflict', 'model: conflict');
    is($res->{status}, 409, 'a version conflict is 409')
        or diag($res->{content});
    ok(!$M{'HS-CONFLICT-1'}, 'model: the batch is not applied');
}

fixed_queries('updates');

# due dates moved without a reason (issue 18): one that has passed is
# refused (422, nothing stored), one still ahead moves freely
{
    my @cands = grep { !$M{$_}{dead} && defined $M{$_}{D} } @codes;
    my (%n, @bad);
    for my $code (@cands[0 .. 79]) {
        my $m = $M{$code};
        my $rec = copy($m->{rec});
        $rec->{version} = $m->{version} + 1;
        delete @$rec{qw(due_change apology)};
        $rec->{due_at} = ymd($m->{D} + 1 + int(rand(5)));
        my $passed = $m->{D} < $TODAY;
        my $res = $t->http('POST', '/api/v1/ingest/dossiers',
            headers => \%admin, body => $json->encode($rec));
        if ($passed) {
            $n{refused}++;
            push @bad, "$code: want 422, got $res->{status}"
                unless $res->{status} == 422
                    && $res->{content} =~ /due_change/;
        } else {
            $n{moved}++;
            push @bad, "$code: want 200, got $res->{status} $res->{content}"
                unless $res->{status} == 200;
            model_apply($rec);
        }
    }
    note("moves without a reason: $n{refused} refused, "
        . ($n{moved} // 0) . ' accepted');
    is_deeply(\@bad, [], 'due dates moved without a reason: a passed one '
        . 'refused, one ahead accepted');
    ok($n{refused} > 10, 'some passed due dates tried');
    my @hist = grep { !$_->{dead} && @{ $_->{earlier} // [] } } values %M;
    my @late = grep { !$_->{dead} && defined $_->{moved_late} } values %M;
    my @free = grep { !$_->{dead} && !defined $_->{D} } values %M;
    note(scalar(@hist) . ' dossiers with earlier letters, ' . scalar(@late)
        . ' with a due date moved after it passed, ' . scalar(@free)
        . ' without a deadline');
    ok(@hist > 5 && @late > 20 && @free > 50,
        'the history has kept letters, late moves and dossiers without a '
        . 'deadline');
}
random_queries(15, 'moves');

# ---------------------------------------------------------------------
# phase 3: deletions, revivals, stale writes on tombstones, new names

{
    my @live = grep { !$M{$_}{dead} } @codes;
    my %seen;
    my @del = grep { !$seen{$_}++ } map { pick(@live) } 1 .. 200;
    my @bad;
    for my $code (@del) {
        my $res = $t->http('DELETE', "/api/v1/ingest/dossiers/$code",
            headers => \%admin);
        my $got = eval { $json->decode($res->{content}) } // {};
        if ($res->{status} == 200 && ($got->{deleted} // 0) == 1) {
            $M{$code}{dead} = 1;
        } else {
            push @bad, "DELETE $code: $res->{status} $res->{content}";
        }
    }
    is_deeply(\@bad, [], scalar(@del) . ' deletions: 200 {"deleted": 1}')
        or diag(join("\n", @bad[0 .. ($#bad < 5 ? $#bad : 5)]));
    my $res = $t->http('DELETE', '/api/v1/ingest/dossiers/HS-NEVER-1',
        headers => \%admin);
    is($res->{status}, 404, 'DELETE of an unknown code: 404');

    random_queries(10, 'deletions');

    # revive some with higher versions, write stale versions on others
    my @b;
    for my $i (0 .. $#del) {
        my $m = $M{ $del[$i] };
        if ($i % 3 == 0) {
            push @b, mutate($m->{rec}, $m->{version} + 1 + int(rand(2)));
        } elsif ($i % 3 == 1) {
            push @b, mutate($m->{rec}, $m->{version} - int(rand(2)) || 1);
        }
    }
    # and some new dossiers among them
    push @b, map { new_record(sprintf('HS-LATE-%04d', $_), 1) } 1 .. 60;
    @b = map { $_->[1] } sort { $a->[0] <=> $b->[0] } map { [rand, $_] } @b;
    while (@b) {
        my @s = splice(@b, 0, 30 + int(rand(70)));
        write_ok(\@s, 'revivals');
    }
    is_deeply(\@bad_writes, [], 'revivals and stale writes on tombstones:'
        . ' counts as the model says')
        or diag(join("\n", @bad_writes[0 .. ($#bad_writes < 5
            ? $#bad_writes : 5)]));
    @bad_writes = ();
    push @codes, map { sprintf('HS-LATE-%04d', $_) } 1 .. 60;
}

# names may change: the groups carry the current names
{
    $AG{'000.30.02.H36'}{name} = 'UBND xã Thạnh Đức (sáp nhập)';
    $FI{'dat-dai'}{name} = 'Đất đai – Tài nguyên';
    $PR{'1.004'}{name} = 'Cấp giấy chứng nhận quyền sử dụng đất lần đầu';
    my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => catalog_body());
    is($res->{status}, 200, 'catalog with new names') or diag($res->{content});
}

fixed_queries('final');
random_queries(40, 'final');

# ---------------------------------------------------------------------
# the CLI answers the same, and verify finds every counter right

{
    my @cases = (
        [{ period => 'year', group => 'agency' }, {}],
        [{ from => '2022-12-25', to => '2023-01-10', group => 'field,channel,level' },
            { under => '000.00.30.H36' }],
        [{ period => 'all', group => 'top_agency,procedure' }, { channel => 'online' }],
        [{ from => '2023-01-01', to => '2024-12-31', interval => 'quarter' },
            { field => 'ho-tich' }],
        [{}, {}],
    );
    for my $c (@cases) {
        my ($q, $f) = @$c;
        my $qs = query_string($q, $f);
        my @args = map { ("--$_", $q->{$_}) } grep { defined $q->{$_} }
            qw(period from to interval group);
        push @args, map { ("--$_", $f->{$_}) } sort keys %$f;
        my ($rc, $out, $err) = $t->cli('stats', @args);
        my $http = $t->get("/api/v1/stats?$qs");
        is($rc, 0, "onestop stats @args: exit 0") or diag($err);
        my $a = eval { $json->decode($out) };
        my $b = eval { $json->decode($http->{content}) };
        ok($a && $b, "onestop stats @args: JSON") or diag($out);
        is_deeply($a, $b, "onestop stats @args: the same as ?$qs");
    }
    my ($rc, $out, $err) = $t->cli('stats', '--period', 'all', '--group',
        'agency,channel', '--format', 'csv');
    my $http = $t->get('/api/v1/stats?period=all&group=agency,channel&format=csv');
    is($rc, 0, 'onestop stats --format csv: exit 0') or diag($err);
    is($out, $http->{content}, 'onestop stats --format csv: the same bytes as'
        . ' HTTP');
}

{
    my ($rc, $out, $err) = $t->cli('verify');
    is($rc, 0, 'onestop verify: exit 0 after every update') or diag("$out$err");
}

cmp_ok($queries, '>=', 150, "$queries queries compared with the recount");

if (@failures) {
    diag(scalar(@failures) . " of $queries queries differ from the recount;"
        . ' the first ones:');
    for my $f (@failures[0 .. ($#failures < 9 ? $#failures : 9)]) {
        diag("  ?$f->{query}");
        diag("    $_") for @{ $f->{diffs} };
    }
}

$t->check_log;
$t->stop;

note(sprintf('%d batches, %d queries, %.1f s', $batches, $queries,
    Time::HiRes::time() - $started));

done_testing();
