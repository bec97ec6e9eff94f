#!/usr/bin/perl

# Published apology letters (SPEC section 7, Điều 11.3): GET
# /api/v1/apologies lists every dossier with an apology letter exactly
# once across pages (limit, after=next until next is null), by issue date
# descending then code ascending, with exact members (masked citizens,
# whole organisations, reason null when absent, no contact), filters on
# agency, under, field, procedure and the issue date, 400 on bad
# arguments; every letter kept (issue 18, Điều 11.3: a later letter or a
# version without one does not take an issued letter back; a letter sent
# again with its issue time is corrected), a deletion taking the
# dossier's letters off the list.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use POSIX qw(ceil);
use Test::More;
use Time::Local qw(timegm);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('ap-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest apologies)]);

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer ap-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my %agency = (
    '000.00.12.H36' => ['Sở Tư pháp', undef],
    '000.00.15.H36' => ['Sở Xây dựng', undef],
    '000.00.30.H36' => ['UBND huyện Bến Lức', undef],
    '000.30.01.H36' => ['UBND thị trấn Bến Lức', '000.00.30.H36'],
    '000.30.02.H36' => ['UBND xã Thạnh Đức', '000.00.30.H36'],
    '000.00.31.H36' => ['UBND huyện Cần Giuộc', undef],
    '000.31.01.H36' => ['UBND xã Phước Lý', '000.00.31.H36'],
);
my %procedure = (
    '1.001234' => ['Cấp phiếu lý lịch tư pháp', 'tu-phap'],
    '1.009999' => ['Cấp giấy phép xây dựng', 'xay-dung'],
    '1.000894' => ['Đăng ký khai sinh', 'ho-tich'],
);

# the masking rule of SPEC 4, on its own
sub mask ($name) {
    my @w = grep { length } split /\s+/, $name;
    my $first = shift @w;
    return join ' ', $first, map { /^(\P{M}\p{M}*)/ ? "$1." : '' } @w;
}

sub day_plus ($date, $n) {
    my ($y, $m, $d) = split /-/, $date;
    my @t = gmtime(timegm(0, 0, 12, $d, $m - 1, $y) + $n * 86400);
    return sprintf('%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3]);
}

# --- the dossiers: 130 with a letter, some without ---

my @AG = sort keys %agency;
my @PR = sort keys %procedure;
my @FIRST = ('Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Đặng');
my @MID = ('Văn', 'Thị', 'Ngọc', 'Hữu', 'Ánh');
my @LAST = ('An', 'Bình', 'Cúc', 'Ước', 'Ơn', 'Yến');

my (%rec, @recs);
for my $i (0 .. 129) {
    my $code = $i % 13 == 5 ? sprintf('ap-%03d', $i)
        : $i % 11 == 3 ? sprintf('AP-%03d_x', $i) : sprintf('AP-%03d', $i);
    my $org = $i % 10 == 4;
    my $name = $org ? "Công ty TNHH Long An số $i"
        : join(' ', $FIRST[$i % 7], $MID[$i % 5], $LAST[$i % 6]);
    my %m = (
        code => $code, version => 1,
        agency => $AG[$i % @AG], procedure => $PR[int($i / 2) % @PR],
        channel => (qw(direct online postal))[$i % 3],
        applicant => {name => $name,
            type => $org ? 'organization' : 'citizen'},
        contact => {phone => sprintf('09%08d', 1000 + $i),
            email => "nguoi$i\@example.vn"},
        received_at => '2024-04-01T08:00:00+07:00',
        due_at => '2024-04-30T17:00:00+07:00',
        apology => {
            # issue days between 2024-05-01 and 2024-06-09, many shared
            issued_at => day_plus('2024-05-01', ($i * 7) % 40)
                . ($i % 4 ? 'T09:00:00+07:00' : ''),
            new_due_at => day_plus('2024-06-20', $i % 5),
            ($i % 7 == 2 ? () : (reason => "Lý do $i: cần xác minh thêm")),
        },
    );
    $m{resolved_at} = '2024-06-12' if $i % 3 == 1;
    $rec{$code} = \%m;
    push @recs, \%m;
}
# the issue date is the local date: 18:30 UTC on the 10th is the 11th here
$rec{'AP-UTC'} = {%{$recs[0]}, code => 'AP-UTC',
    apology => {issued_at => '2024-06-10T18:30:00Z',
        new_due_at => '2024-06-25T17:00:00+07:00', reason => 'Múi giờ'}};
push @recs, $rec{'AP-UTC'};
for my $i (1 .. 10) {
    my %m = (%{$recs[$i]}, code => "NOAP-$i");
    delete $m{apology};
    push @recs, \%m;
}

$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => scalar @recs, unchanged => 0, stale => 0}, 'all accepted');

# --- what the list should be, computed here ---

sub local_day ($ts) {
    return $ts if $ts =~ /^\d{4}-\d\d-\d\d\z/;
    my ($y, $m, $d, $H, $M, $S, $z) =
        $ts =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(Z|[+-]\d\d:\d\d)\z/
        or die "bad time $ts";
    my $off = 0;
    if ($z ne 'Z') {
        my ($s, $zh, $zm) = $z =~ /^([+-])(\d\d):(\d\d)/;
        $off = ($s eq '-' ? -1 : 1) * ($zh * 3600 + $zm * 60);
    }
    my @t = gmtime(timegm($S, $M, $H, $d, $m - 1, $y) - $off + 7 * 3600);
    return sprintf('%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3]);
}

# the letters a dossier's later versions replaced, kept by the store
my %earlier;

# a new version of a dossier in the model: the letter it replaces kept
sub replace ($code, $new) {
    my $was = $rec{$code};
    if ($was && $was->{apology}
        && (!$new->{apology}
            || $new->{apology}{issued_at} ne $was->{apology}{issued_at}))
    {
        push @{$earlier{$code}}, $was->{apology};
    }
    $rec{$code} = $new;
}

sub item ($m, $ap = $m->{apology}) {
    my $a = $m->{applicant};
    return {
        code => $m->{code},
        agency => {id => $m->{agency}, name => $agency{$m->{agency}}[0]},
        procedure => {id => $m->{procedure},
            name => $procedure{$m->{procedure}}[0]},
        applicant => {name => $a->{type} eq 'organization' ? $a->{name}
            : mask($a->{name}), type => $a->{type}},
        due_date => local_day($m->{due_at}),
        new_due_date => local_day($ap->{new_due_at}),
        issued_date => local_day($ap->{issued_at}),
        reason => $ap->{reason},
    };
}

sub under ($ag, $root) {
    return $ag eq $root
        || (defined $agency{$ag}[1] && $agency{$ag}[1] eq $root);
}

sub expected (%q) {
    my @items;
    for my $m (values %rec) {
        for my $ap (@{$earlier{$m->{code}} // []}, $m->{apology} // ()) {
            my $d = local_day($ap->{issued_at});
            push @items, item($m, $ap)
                if (!$q{agency} || $m->{agency} eq $q{agency})
                    && (!$q{under} || under($m->{agency}, $q{under}))
                    && (!$q{procedure} || $m->{procedure} eq $q{procedure})
                    && (!$q{field}
                        || $procedure{$m->{procedure}}[1] eq $q{field})
                    && (!$q{from} || $d ge $q{from})
                    && (!$q{to} || $d le $q{to});
        }
    }
    return [sort { $b->{issued_date} cmp $a->{issued_date}
        || $a->{code} cmp $b->{code} } @items];
}

sub uri_escape ($s) {
    $s = encode('UTF-8', $s);
    $s =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub get_json ($path) {
    my $r = $t->get($path);
    return ($r, eval { $json->decode($r->{content}) });
}

# walk every page: (items, pages, problems)
sub walk ($limit, %q) {
    my $qs = join '', map { "&$_=" . uri_escape($q{$_}) } sort keys %q;
    my ($after, @items, @problems) = (undef);
    my $pages = 0;
    while (1) {
        my $path = "/api/v1/apologies?limit=$limit$qs"
            . (defined $after ? '&after=' . uri_escape($after) : '');
        my ($r, $j) = get_json($path);
        if ($r->{status} != 200 || ref $j ne 'HASH') {
            push @problems, "$path: $r->{status} $r->{content}";
            last;
        }
        $pages++;
        my $n = @{$j->{items} // []};
        push @items, @{$j->{items} // []};
        push @problems, "$path: $n items, more than $limit" if $n > $limit;
        last unless defined $j->{next};
        push @problems, "$path: next on a page of $n, not $limit"
            if $n != $limit;
        $after = $j->{next};
        if ($pages > 1000) { push @problems, 'more than 1000 pages'; last }
    }
    return (\@items, $pages, \@problems);
}

sub walk_ok ($name, $limit, %q) {
    my ($items, $pages, $problems) = walk($limit, %q);
    my $want = expected(%q);
    is_deeply($problems, [], "$name, limit $limit: every page well formed");
    my %seen;
    $seen{"$_->{code} $_->{issued_date}"}++ for @$items;
    is(scalar(grep { $_ != 1 } values %seen), 0,
        "$name, limit $limit: no letter twice");
    is_deeply($items, $want,
        "$name, limit $limit: every letter once, in order, exact members")
        or diag(join ' ', map { "$_->{issued_date}/$_->{code}" } @$items);
    is($pages, @$want ? ceil(@$want / $limit) : 1,
        "$name, limit $limit: " . (@$want ? ceil(@$want / $limit) : 1)
        . ' pages');
    return $items;
}

# --- the whole list ---

my $all = expected();
is(scalar @$all, 131, '131 letters in the test\'s own list');
ok((grep { !defined $_->{reason} } @$all) >= 10, 'some without a reason');
ok((grep { $_->{applicant}{type} eq 'organization' } @$all) >= 10,
    'some organisations');

my ($j);
($r, $j) = get_json('/api/v1/apologies');
is($r->{status}, 200, 'the list: 200');
is($r->{headers}{'content-type'}, 'application/json; charset=utf-8',
    'JSON');
is_deeply([sort keys %{$j // {}}], [qw(items next)], 'members items and next');
is_deeply($j->{items}, [@$all[0 .. 99]], 'default limit: the first 100');
ok(defined $j->{next} && !ref $j->{next}, 'and a next cursor');
my ($r2, $j2) = get_json('/api/v1/apologies?after=' . uri_escape($j->{next}));
is_deeply($j2->{items}, [@$all[100 .. 130]], 'the second page: the rest');
ok(exists $j2->{next} && !defined $j2->{next}, 'next null on the last page');

($r, $j) = get_json('/api/v1/apologies?limit=1000');
is_deeply($j->{items}, $all, 'limit 1000: all at once');
ok(exists $j->{next} && !defined $j->{next}, 'next null');
($r, $j) = get_json('/api/v1/apologies?limit=131');
ok(exists $j->{next} && !defined $j->{next},
    'limit equal to the count: next null');

my @members = sort qw(code agency procedure applicant due_date new_due_date
    issued_date reason);
is_deeply([sort keys %{$all->[0]}], \@members, 'the test expects 8 members');

for my $limit (1, 2, 3, 7, 50) {
    walk_ok('all', $limit);
}

my ($utc) = grep { $_->{code} eq 'AP-UTC' } @$all;
is($utc->{issued_date}, '2024-06-11', 'AP-UTC issued the 11th, local');

# --- filters ---

walk_ok('agency 000.00.12.H36', 4, agency => '000.00.12.H36');
walk_ok('agency 000.30.02.H36', 3, agency => '000.30.02.H36');
walk_ok('under 000.00.30.H36', 4, under => '000.00.30.H36');
walk_ok('under 000.00.31.H36', 5, under => '000.00.31.H36');
walk_ok('field ho-tich', 6, field => 'ho-tich');
walk_ok('procedure 1.009999', 4, procedure => '1.009999');
walk_ok('from 2024-05-20', 5, from => '2024-05-20');
walk_ok('to 2024-05-10', 3, to => '2024-05-10');
walk_ok('one day', 2, from => '2024-05-08', to => '2024-05-08');
walk_ok('the 11th of June', 2, from => '2024-06-11', to => '2024-06-11');
walk_ok('the 10th of June', 2, from => '2024-06-10', to => '2024-06-10');
walk_ok('field and period', 3, field => 'tu-phap', from => '2024-05-05',
    to => '2024-05-31');
walk_ok('under, procedure and period', 2, under => '000.00.30.H36',
    procedure => '1.000894', from => '2024-05-01', to => '2024-05-25');
walk_ok('agency, field that has none', 2, agency => '000.00.15.H36',
    field => 'ho-tich', procedure => '1.001234');
walk_ok('a period with none', 3, from => '2024-06-12', to => '2024-06-15');

# a page that ends exactly at the last letter of the period is the last
# page: next is null, not a cursor to an empty page
for my $q (['from=2024-05-08&to=2024-05-08', from => '2024-05-08',
        to => '2024-05-08'],
    ['from=2024-05-20', from => '2024-05-20'])
{
    my ($qs, %q) = @$q;
    my $n = @{expected(%q)};
    ($r, $j) = get_json("/api/v1/apologies?$qs&limit=$n");
    is(scalar @{$j->{items} // []}, $n, "?$qs&limit=$n: all $n on one page");
    ok(exists $j->{next} && !defined $j->{next}, "?$qs&limit=$n: next null")
        or diag("next: " . ($j->{next} // 'null') . '; that page: '
            . $t->get('/api/v1/apologies?' . "$qs&limit=$n&after="
                . uri_escape($j->{next} // ''))->{content});
}

# --- no contact, no full citizen name ---

($r, $j) = get_json('/api/v1/apologies?limit=1000');
my $body = decode('UTF-8', $r->{content});
unlike($body, qr/example\.vn|09\d{8}|contact/, 'no contact data anywhere');
my @full = grep { $_->{applicant}{type} eq 'citizen' } values %rec;
is(scalar(grep { index($body, $_->{applicant}{name}) >= 0 } @full), 0,
    'no citizen\'s full name');
unlike($body, qr/"(?:status|timeliness|channel|version)"/,
    'nothing of the record beyond the letter');

# --- headers of public data ---

is($r->{headers}{'access-control-allow-origin'}, '*',
    'Access-Control-Allow-Origin *');
like($r->{headers}{'cache-control'} // '', qr/^public, max-age=60\z/,
    'Cache-Control public, max-age=60');
unlike(join(' ', keys %{$r->{headers}}), qr/set-cookie/, 'no cookie');
my $etag = $r->{headers}{etag};
ok(defined $etag && length $etag, 'an ETag');
my $r304 = $t->get('/api/v1/apologies?limit=1000',
    headers => {'If-None-Match' => $etag});
is($r304->{status}, 304, 'If-None-Match: 304');

# --- bad arguments ---

sub error_ok ($r, $status, $code, $name) {
    is($r->{status}, $status, "$name: status $status")
        or diag("$r->{status} $r->{content}");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $e = eval { $json->decode($r->{content}) } // {};
    is($e->{error}{code}, $code, "$name: error code $code") if defined $code;
    ok(defined $e->{error}{message} && length $e->{error}{message},
        "$name: error message");
}

for my $bad ('limit=0', 'limit=1001', 'limit=x', 'limit=-1', 'limit=',
    'limit=1.5', 'limit=10x', 'limit=99999999999999999999',
    'after=x', 'after=2024-06-01', 'after=2024-06-01~',
    'after=2024-02-30~AP-001',
    'after=20240601~AP-001', 'after=2024-06-01~-AP', 'after=%7EAP-001',
    'agency=000.00.99.H36', 'under=000.00.99.H36', 'field=dat-dai',
    'procedure=9.999999', 'from=2024-13-01', 'to=2024-06-31',
    'from=2024-06-10&to=2024-06-09')
{
    $r = $t->get("/api/v1/apologies?$bad");
    error_ok($r, 400, 'bad_request', "?$bad");
}

$r = $t->http('POST', '/api/v1/apologies', body => '{}');
error_ok($r, 405, undef, 'POST');

# a cursor is a position: one made up between two entries works too
my $mid = $all->[40];
($r, $j) = get_json('/api/v1/apologies?limit=1000&after='
    . uri_escape("$mid->{issued_date}~$mid->{code}"));
is_deeply($j->{items}, [@$all[41 .. 130]], 'after an entry: the ones after it');

# --- updates and deletions ---

my $old = $etag;
my $gone = $rec{'AP-010'};
my $moved = $rec{'AP-020'};
my $deleted = $rec{'AP-030'};
my $reasonless = $rec{'AP-040'};
my %v2 = (%$gone, version => 2);
delete $v2{apology};
my %m2 = (%$moved, version => 2, apology => {
    issued_at => '2024-06-14T10:00:00+07:00', new_due_at => '2024-06-30',
    reason => 'Gia hạn lần hai'});
my %r2 = (%$reasonless, version => 2, apology => {
    %{$reasonless->{apology}}});
delete $r2{apology}{reason};
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([\%v2, \%m2, \%r2]));
is($r->{status}, 200, 'updates written') or diag($r->{content});
replace('AP-010', \%v2);
replace('AP-020', \%m2);
replace('AP-040', \%r2);
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/AP-030', headers => \%admin);
is($r->{status}, 200, 'AP-030 deleted') or diag($r->{content});
delete $rec{'AP-030'};
delete $earlier{'AP-030'};

$all = expected();
is(scalar @$all, 131, 'one letter more (AP-020\'s second), one fewer '
    . '(AP-030 deleted)');
for my $limit (1, 4, 1000) {
    my $items = walk_ok('after the updates', $limit);
    is(scalar(grep({ $_->{code} eq 'AP-010' } @$items)), 1,
        "limit $limit: an update without the letter keeps the letter issued");
    is(scalar(grep({ $_->{code} eq 'AP-020' } @$items)), 2,
        "limit $limit: a second letter, both listed");
    ok(!grep({ $_->{code} eq 'AP-030' } @$items),
        "limit $limit: a deletion takes it off");
}
is($all->[0]{code}, 'AP-020', 'a letter issued again moves to the top');
my ($np) = grep { $_->{code} eq 'AP-040' } @$all;
is($np->{reason}, undef, 'a reason taken away: null');
walk_ok('agency after the updates', 2, agency => $moved->{agency});

$r = $t->get('/api/v1/apologies?limit=1000');
isnt($r->{headers}{etag}, $old, 'the ETag changed with the letters');
$r = $t->get('/api/v1/apologies?limit=1000',
    headers => {'If-None-Match' => $old});
is($r->{status}, 200, 'the old ETag: 200');

# a deleted dossier written again with a higher version is back
my %back = (%$deleted, version => 5);
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\%back));
is($r->{status}, 200, 'AP-030 back') or diag($r->{content});
replace('AP-030', \%back);
walk_ok('after AP-030 came back', 10);

# a new letter from the CLI shows too
my ($noap) = grep { $_->{code} eq 'NOAP-1' } @recs;
my %cli = (%$noap, version => 2,
    apology => {issued_at => '2024-06-15T07:00:00+07:00',
        new_due_at => '2024-07-01', reason => 'Qua dòng lệnh'});
my $file = $t->spew('cli.ndjson', $json->encode(\%cli) . "\n");
my ($rc, $out, $err) = $t->cli('import', $file);
is($rc, 0, 'CLI import') or diag($err);
replace('NOAP-1', \%cli);
my $deadline = time + 2;
do { ($r, $j) = get_json('/api/v1/apologies?limit=1') }
    while (($j->{items}[0]{code} // '') ne 'NOAP-1' && time < $deadline
        && select(undef, undef, undef, 0.05) >= 0);
walk_ok('after a CLI write', 9);

# a letter kept by a dossier whose deadline was then taken away (issue
# 18: due_at null): the list shows the due date the letter put off, the
# one the deadline was taken from, not a date made of nothing
{
    my %v1 = (code => 'NODL-1', version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'direct',
        applicant => {name => 'Lê Văn Tâm'},
        received_at => '2024-06-03', due_at => '2024-06-25',
        apology => {issued_at => '2024-06-14', new_due_at => '2024-06-28'});
    my %v2 = (%v1, version => 2, due_at => undef);
    delete $v2{apology};
    for my $v (\%v1, \%v2) {
        $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
            body => $json->encode([$v]));
        is($r->{status}, 200, "NODL-1 version $v->{version}")
            or diag($r->{content});
    }
    ($r, $j) = get_json('/api/v1/apologies?limit=1000&from=2024-06-14'
        . '&to=2024-06-14');
    my ($it) = grep { $_->{code} eq 'NODL-1' } @{ $j->{items} // [] };
    is($it && $it->{due_date}, '2024-06-25',
        'its letter: the due date it put off') or diag($r->{content});
    is($it && $it->{new_due_date}, '2024-06-28', 'and its new date');
    $r = $t->get('/api/v1/apologies?limit=1000&from=2024-06-14'
        . '&to=2024-06-14&format=csv');
    my ($row) = grep { /^NODL-1,/ } split /\r?\n/, decode('UTF-8',
        $r->{content});
    like($row // '', qr/,2024-06-25,2024-06-28,2024-06-14,/,
        'the same in the CSV') or diag($r->{content});
}

# a letter whose dossier's due date then moved (a supplement asked after
# it, issue 18): the published letter keeps the date it put off, 12/6,
# not the new 24/6, which would have it put a date off to an earlier one
{
    my %v1 = (code => 'MOVED-1', version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'direct',
        applicant => {name => 'Lê Văn Tâm'},
        received_at => '2024-06-03', due_at => '2024-06-12',
        apology => {issued_at => '2024-06-11T09:00:00+07:00',
            new_due_at => '2024-06-20', reason => 'Chờ xác minh'});
    my %v2 = (%v1, version => 2, due_at => '2024-06-24',
        due_change => 'supplement');
    delete $v2{apology};
    for my $v (\%v1, \%v2) {
        $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
            body => $json->encode([$v]));
        is($r->{status}, 200, "MOVED-1 version $v->{version}")
            or diag($r->{content});
    }
    ($r, $j) = get_json('/api/v1/apologies?limit=1000&from=2024-06-11'
        . '&to=2024-06-11');
    my ($it) = grep { $_->{code} eq 'MOVED-1' } @{ $j->{items} // [] };
    is_deeply($it && [@$it{qw(due_date new_due_date issued_date)}],
        ['2024-06-12', '2024-06-20', '2024-06-11'],
        'the letter: the due date it put off, as when it was issued')
        or diag($r->{content});
    $r = $t->get('/api/v1/apologies?limit=1000&from=2024-06-11'
        . '&to=2024-06-11&format=csv');
    my ($row) = grep { /^MOVED-1,/ } split /\r?\n/, decode('UTF-8',
        $r->{content});
    like($row // '', qr/,2024-06-12,2024-06-20,2024-06-11,/,
        'the same in the CSV') or diag($r->{content});
    my (undef, $got) = $t->cli('get', 'MOVED-1');
    is(eval { $json->decode($got)->{due_date} }, '2024-06-24',
        'while the dossier is due on 24/6');
}

$t->check_log;

done_testing;
