#!/usr/bin/perl

# The statistics API's behaviour (SPEC section 7): figures of a small
# history worked out by hand, bad arguments (400 with the error object),
# unknown arguments, CSV, the public headers, ETag and 304, HEAD and
# other methods, the freshness of writes (over HTTP at once, from the CLI
# within one second), and the figures across a reload and across a
# killed and restarted nginx.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', sha256_hex('stats-admin-key') . " * administrator\n");

sub conf($extra) {
    return $t->standard_conf(serve => [qw(stats ingest)], zone => '8m',
        http => $extra, server => 'client_max_body_size 50m;');
}

$t->write_conf(conf(''));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer stats-admin-key');

# a commune whose name needs quoting in CSV
my $COMMUNE = 'UBND xã "Mỹ Yên", huyện Bến Lức';
my $catalog = {
    agencies => [
        { id => '000.00.12.H36', name => 'Sở Tư pháp', level => 'province',
          parent => undef },
        { id => '000.00.30.H36', name => 'UBND huyện Bến Lức',
          level => 'district', parent => undef },
        { id => '000.30.01.H36', name => $COMMUNE, level => 'commune',
          parent => '000.00.30.H36' },
    ],
    fields => [
        { id => 'tu-phap', name => 'Tư pháp' },
        { id => 'ho-tich', name => 'Hộ tịch' },
    ],
    procedures => [
        { id => '1.001234', name => 'Cấp phiếu lý lịch tư pháp',
          field => 'tu-phap' },
        { id => '1.000894', name => 'Đăng ký khai sinh', field => 'ho-tich' },
    ],
};
my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => $json->encode($catalog));
is($res->{status}, 200, 'catalog') or diag($res->{content});

sub rec(%r) {
    return { version => 1, applicant => { name => 'Nguyễn Văn An' }, %r };
}

# today is 2024-06-15 (+07:00)
my @history = (
    # on time (resolved on its due date), returned by post
    rec(code => 'A-1', agency => '000.30.01.H36', procedure => '1.000894',
        channel => 'direct', return_channel => 'postal',
        received_at => '2024-06-01T08:00:00+07:00', due_at => '2024-06-05',
        resolved_at => '2024-06-05T16:00:00+07:00',
        returned_at => '2024-06-06'),
    # carried over, then resolved late: 17:30Z is 00:30 on the 3rd locally
    rec(code => 'B-1', agency => '000.30.01.H36', procedure => '1.000894',
        channel => 'online', received_at => '2024-05-20',
        due_at => '2024-06-01', resolved_at => '2024-06-02T17:30:00Z'),
    # in progress, not yet due
    rec(code => 'C-1', agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'postal', received_at => '2024-06-10',
        due_at => '2024-06-20'),
    # carried over, in progress, overdue
    rec(code => 'D-1', agency => '000.00.30.H36', procedure => '1.001234',
        channel => 'direct', received_at => '2024-04-01',
        due_at => '2024-04-10'),
    # withdrawn
    rec(code => 'E-1', agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', received_at => '2024-06-02',
        due_at => '2024-06-09', withdrawn_at => '2024-06-04T10:00:00+07:00'),
    # received today by local time (yesterday in UTC)
    rec(code => 'F-1', agency => '000.00.30.H36', procedure => '1.000894',
        channel => 'online', received_at => '2024-06-14T18:30:00Z',
        due_at => '2024-06-16'),
);
$res = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@history));
is($res->{status}, 200, 'history written') or diag($res->{content});

my @COUNTERS = qw(carried_over received received_online received_direct
    received_postal resolved resolved_early resolved_on_time resolved_late
    resolved_in_time resolved_no_deadline withdrawn withdrawn_in_time
    returned_postal pending pending_not_due pending_overdue apologies_issued
    due_moved_late resolution_rate on_time_rate progress_rate);

sub counters(%c) {
    my %r = map { $_ => 0 } @COUNTERS;
    %r = (%r, %c);
    $r{resolved_in_time} = $r{resolved_early} + $r{resolved_on_time};
    my $den = $r{carried_over} + $r{received};
    $r{resolution_rate} = $den ? $r{resolved} / $den : undef;
    # judged against a deadline (issue 18: without one, resolved alone)
    my $judged = $r{resolved} - $r{resolved_no_deadline};
    $r{on_time_rate} = $judged ? $r{resolved_in_time} / $judged : undef;
    # Decision 766: within time, done or not yet, of all handled
    $r{progress_rate} = $den ? ($r{resolved_in_time}
        + $r{resolved_no_deadline} + $r{withdrawn_in_time}
        + $r{pending_not_due}) / $den : undef;
    return \%r;
}

# compare counters (rates within 1e-12) and the other members exactly
sub same($got, $want, $where = '') {
    my @d;
    if (ref $want eq 'HASH') {
        return ("$where: not an object") unless ref $got eq 'HASH';
        for my $k (sort keys %$want) {
            if (!exists $got->{$k}) {
                push @d, "$where.$k missing";
            } else {
                push @d, same($got->{$k}, $want->{$k}, "$where.$k");
            }
        }
    } elsif (ref $want eq 'ARRAY') {
        return ("$where: not an array") unless ref $got eq 'ARRAY';
        push @d, "$where: " . @$got . ' elements, want ' . @$want
            unless @$got == @$want;
        for my $i (0 .. ($#$got < $#$want ? $#$got : $#$want)) {
            push @d, same($got->[$i], $want->[$i], "$where\[$i]");
        }
    } elsif (!defined $want) {
        push @d, "$where: got $got, want null" if defined $got;
    } elsif (!defined $got) {
        push @d, "$where: got null, want $want";
    } elsif ($where =~ /_rate$/) {
        push @d, "$where: got $got, want $want" if abs($got - $want) > 1e-12;
    } elsif ($want =~ /^\d+$/ && !ref $got) {
        push @d, "$where: got $got, want $want" unless $got eq $want;
    } else {
        push @d, "$where: got $got, want $want" unless $got eq $want;
    }
    return @d;
}

sub get_json($path) {
    my $res = $t->get($path);
    my $body = $res->{status} == 200
        ? eval { $json->decode($res->{content}) } : undef;
    return ($res, $body);
}

sub check($path, $want, $name) {
    my ($res, $got) = get_json($path);
    if (!$got) {
        fail("$name: $path");
        diag("$res->{status} $res->{content}");
        return;
    }
    my @d = same($got, $want);
    ok(!@d, "$name: $path") or diag(join("\n", @d));
    return $got;
}

# ---------------------------------------------------------------------
# the figures, by hand

my %june = (carried_over => 2, received => 4, received_online => 1,
    received_direct => 2, received_postal => 1, resolved => 2,
    resolved_on_time => 1, resolved_late => 1, withdrawn => 1, withdrawn_in_time => 1,
    returned_postal => 1, pending => 3, pending_not_due => 2,
    pending_overdue => 1);

check('/api/v1/stats?from=2024-06-01&to=2024-06-15',
    { from => '2024-06-01', to => '2024-06-15', groups => [],
      totals => counters(%june) }, 'June, by hand');
check('/api/v1/stats?from=2024-06-01&to=2025-01-31',
    { from => '2024-06-01', to => '2024-06-15', totals => counters(%june) },
    'a `to` after today is today');

my $june_groups = [
    { agency => '000.00.12.H36', agency_name => 'Sở Tư pháp',
      channel => 'direct',
      %{ counters(received => 1, received_direct => 1, withdrawn => 1, withdrawn_in_time => 1) } },
    { agency => '000.00.12.H36', agency_name => 'Sở Tư pháp',
      channel => 'postal',
      %{ counters(received => 1, received_postal => 1, pending => 1,
          pending_not_due => 1) } },
    { agency => '000.00.30.H36', agency_name => 'UBND huyện Bến Lức',
      channel => 'direct',
      %{ counters(carried_over => 1, pending => 1, pending_overdue => 1) } },
    { agency => '000.00.30.H36', agency_name => 'UBND huyện Bến Lức',
      channel => 'online',
      %{ counters(received => 1, received_online => 1, pending => 1,
          pending_not_due => 1) } },
    { agency => '000.30.01.H36', agency_name => $COMMUNE,
      channel => 'direct',
      %{ counters(received => 1, received_direct => 1, resolved => 1,
          resolved_on_time => 1, returned_postal => 1) } },
    { agency => '000.30.01.H36', agency_name => $COMMUNE,
      channel => 'online',
      %{ counters(carried_over => 1, resolved => 1, resolved_late => 1) } },
];
my $june = check('/api/v1/stats?from=2024-06-01&to=2024-06-15&group=agency,channel',
    { from => '2024-06-01', to => '2024-06-15',
      group => ['agency', 'channel'], totals => counters(%june),
      groups => $june_groups }, 'June by agency and channel, by hand');

check('/api/v1/stats?period=today&group=top_agency',
    { from => '2024-06-15', to => '2024-06-15', group => ['top_agency'],
      totals => counters(carried_over => 2, received => 1,
          received_online => 1, pending => 3, pending_not_due => 2,
          pending_overdue => 1),
      groups => [
          { top_agency => '000.00.12.H36', top_agency_name => 'Sở Tư pháp',
            %{ counters(carried_over => 1, pending => 1,
                pending_not_due => 1) } },
          { top_agency => '000.00.30.H36',
            top_agency_name => 'UBND huyện Bến Lức',
            %{ counters(carried_over => 1, received => 1,
                received_online => 1, pending => 2, pending_not_due => 1,
                pending_overdue => 1) } },
      ] }, 'today by top agency, by hand');

check('/api/v1/stats?period=all&group=level&under=000.00.30.H36',
    { from => '2024-04-01', to => '2024-06-15', group => ['level'],
      totals => counters(received => 4, received_online => 2,
          received_direct => 2, resolved => 2, resolved_on_time => 1,
          resolved_late => 1, returned_postal => 1, pending => 2,
          pending_not_due => 1, pending_overdue => 1),
      groups => [
          { level => 'commune',
            %{ counters(received => 2, received_online => 1,
                received_direct => 1, resolved => 2, resolved_on_time => 1,
                resolved_late => 1, returned_postal => 1) } },
          { level => 'district',
            %{ counters(received => 2, received_online => 1,
                received_direct => 1, pending => 2, pending_not_due => 1,
                pending_overdue => 1) } },
      ] }, 'all time under the district, by level, by hand');

check('/api/v1/stats?from=2024-06-03&to=2024-06-03&group=field,procedure',
    { from => '2024-06-03', to => '2024-06-03',
      totals => counters(carried_over => 4, resolved => 1,
          resolved_late => 1, pending => 3, pending_overdue => 1,
          pending_not_due => 2),
      groups => [
          { field => 'ho-tich', field_name => 'Hộ tịch',
            procedure => '1.000894', procedure_name => 'Đăng ký khai sinh',
            %{ counters(carried_over => 2, resolved => 1, resolved_late => 1,
                pending => 1, pending_not_due => 1) } },
          { field => 'tu-phap', field_name => 'Tư pháp',
            procedure => '1.001234',
            procedure_name => 'Cấp phiếu lý lịch tư pháp',
            %{ counters(carried_over => 2, pending => 2, pending_overdue => 1,
                pending_not_due => 1) } },
      ] }, 'one day by field and procedure, by hand');

check('/api/v1/stats?from=2024-01-01&to=2024-03-31&group=agency',
    { from => '2024-01-01', to => '2024-03-31', groups => [],
      totals => counters() }, 'before the first dossier: zeros, no groups');

# the series of a month, worked out day by day for the direct channel:
# D-1 (overdue all along), A-1 (received 06-01, due 06-05, resolved 06-05),
# E-1 (received 06-02, due 06-09, withdrawn 06-04)
{
    my @series;
    for my $day (28 .. 31, 1 .. 15) {
        my $m = $day >= 28 ? '05' : '06';
        my $d = sprintf('2024-%s-%02d', $m, $day);
        my %c = (carried_over => 1, pending => 1, pending_overdue => 1);
        if ($m eq '06') {
            # A-1
            if ($day == 1) { $c{received}++; $c{received_direct}++ }
            else { $c{carried_over}++ }
            if ($day == 5) { $c{resolved}++; $c{resolved_on_time}++ }
            $c{returned_postal}++ if $day == 6;
            if ($day < 5) { $c{pending}++; $c{pending_not_due}++ }
            if ($day == 6) { $c{carried_over}-- }
            $c{carried_over}-- if $day > 6;
            # E-1
            if ($day == 2) { $c{received}++; $c{received_direct}++ }
            elsif ($day > 2 && $day <= 4) { $c{carried_over}++ }
            if ($day == 4) { $c{withdrawn}++; $c{withdrawn_in_time}++ }
            if ($day >= 2 && $day < 4) { $c{pending}++; $c{pending_not_due}++ }
        }
        push @series, { from => $d, to => $d, %{ counters(%c) } };
    }
    check('/api/v1/stats?from=2024-05-28&to=2024-06-15&interval=day&channel=direct',
        { from => '2024-05-28', to => '2024-06-15', series => \@series,
          totals => counters(carried_over => 1, received => 2,
              received_direct => 2, resolved => 1, resolved_on_time => 1,
              withdrawn => 1, withdrawn_in_time => 1, returned_postal => 1, pending => 1,
              pending_overdue => 1) },
        'a daily series, by hand');
    check('/api/v1/stats?from=2024-03-15&to=2024-06-15&interval=month&agency=000.00.30.H36',
        { from => '2024-03-15', to => '2024-06-15', series => [
            { from => '2024-03-15', to => '2024-03-31', %{ counters() } },
            { from => '2024-04-01', to => '2024-04-30',
              %{ counters(received => 1, received_direct => 1, pending => 1,
                  pending_overdue => 1) } },
            { from => '2024-05-01', to => '2024-05-31',
              %{ counters(carried_over => 1, pending => 1,
                  pending_overdue => 1) } },
            { from => '2024-06-01', to => '2024-06-15',
              %{ counters(carried_over => 1, received => 1,
                  received_online => 1, pending => 2, pending_overdue => 1,
                  pending_not_due => 1) } },
          ] }, 'a monthly series, by hand');
}

# ---------------------------------------------------------------------
# bad arguments: 400 with the error object

my @bad = (
    'group=district', 'group=Agency', 'group=agency,foo',
    'group=agency,field,procedure,channel',
    'group=channel,channel', 'group=agency,level,agency',
    'from=2024-02-30', 'from=2024-13-01', 'from=2024-6-1', 'from=20240601',
    'to=yesterday', 'from=2024-06-01&to=2024-06-1x',
    'from=2024-06-10&to=2024-06-09',
    'period=year&from=2024-01-01', 'period=month&to=2024-06-01',
    'period=all&from=2024-01-01&to=2024-02-01',
    'interval=month&group=agency', 'interval=day&group=channel',
    'agency=000.00.99.H36', 'under=000.00.99.H36', 'under=province',
    'field=dat-dai', 'procedure=9.999999',
    'channel=email', 'channel=counter', 'level=national', 'level=ward',
    'format=xml', 'format=JSON2', 'period=week', 'period=2024',
    'interval=week', 'interval=hour',
);
for my $q (@bad) {
    my $res = $t->get("/api/v1/stats?$q");
    my $e = eval { $json->decode($res->{content}) };
    my $ok = $res->{status} == 400 && ref $e eq 'HASH'
        && ref $e->{error} eq 'HASH'
        && ($e->{error}{code} // '') eq 'bad_request'
        && defined $e->{error}{message} && !ref $e->{error}{message}
        && ($res->{headers}{'content-type'} // '') =~ m{^application/json};
    ok($ok, "?$q: 400 with the error object")
        or diag("$res->{status} " . ($res->{headers}{'content-type'} // '')
            . " $res->{content}");
}

# unknown arguments are ignored
{
    my $a = $t->get('/api/v1/stats?period=all&group=agency');
    my $b = $t->get('/api/v1/stats?utm_source=zalo&period=all&foo=bar'
        . '&group=agency&x=%ZZ&groups=nope&from_=1');
    is($b->{status}, 200, 'unknown arguments: 200');
    is($b->{content}, $a->{content}, 'unknown arguments are ignored');
}

# ---------------------------------------------------------------------
# CSV

sub parse_csv($text) {
    my (@rows, @row, $f);
    my $i = 0;
    my $n = length $text;
    while ($i < $n) {
        my $ch = substr($text, $i, 1);
        if ($ch eq '"') {
            my $v = '';
            $i++;
            for (;;) {
                die "unterminated quote\n" if $i >= $n;
                my $c = substr($text, $i, 1);
                if ($c eq '"') {
                    if (substr($text, $i + 1, 1) eq '"') { $v .= '"'; $i += 2 }
                    else { $i++; last }
                } else { $v .= $c; $i++ }
            }
            $f = $v;
            $ch = substr($text, $i, 1);
        } else {
            my $j = $i;
            $j++ while $j < $n && substr($text, $j, 1) !~ /[,\r\n]/;
            $f = substr($text, $i, $j - $i);
            $i = $j;
            $ch = substr($text, $i, 1);
        }
        push @row, $f;
        if ($ch eq ',') {
            $i++;
            push(@row, ''), push(@rows, [@row]), @row = ()
                if $i >= $n;              # a trailing comma: empty cell
        } else {
            $i++ if $ch eq "\r";
            $i++ if substr($text, $i, 1) eq "\n";
            push @rows, [@row];
            @row = ();
        }
    }
    return \@rows;
}

sub check_csv($path, $name, $dims) {
    my $res = $t->get($path);
    my ($jr, $j) = get_json($path =~ s/&format=csv//r);
    is($res->{status}, 200, "$name: 200");
    is($res->{headers}{'content-type'},
        'text/csv; charset=utf-8; header=present', "$name: Content-Type");
    like($res->{headers}{'content-disposition'} // '', qr/^attachment\b/,
        "$name: Content-Disposition attachment");
    my $body = $res->{content};
    ok(substr($body, 0, 3) eq "\xEF\xBB\xBF", "$name: a UTF-8 BOM first");
    $body = substr($body, 3) if substr($body, 0, 3) eq "\xEF\xBB\xBF";
    my $text = eval { decode('UTF-8', $body, Encode::FB_CROAK) };
    ok(defined $text, "$name: UTF-8") or return;
    my $rows = eval { parse_csv($text) };
    ok($rows && @$rows, "$name: parses") or return;
    my @head = ((map { ($_, /^(agency|top_agency|field|procedure)$/
        ? "${_}_name" : ()) } @$dims), @COUNTERS);
    is_deeply($rows->[0], \@head, "$name: header row");
    my @want = @$dims ? @{ $j->{groups} } : ($j->{totals});
    is(scalar(@$rows) - 1, scalar(@want),
        "$name: a row for each " . (@$dims ? 'group' : 'total'));
    my @d;
    for my $i (0 .. $#want) {
        my $r = $rows->[$i + 1] or last;
        push @d, "row $i: " . @$r . ' cells' unless @$r == @head;
        for my $c (0 .. $#head) {
            my ($k, $v, $w) = ($head[$c], $r->[$c], $want[$i]{ $head[$c] });
            if (!defined $w) {
                push @d, "row $i $k: '$v' for null" unless ($v // '') eq '';
            } elsif ($k =~ /_rate$/) {
                push @d, "row $i $k: '$v', want $w"
                    unless defined $v && $v =~ /^[0-9.eE+-]+$/
                        && abs($v - $w) <= 1e-12;
            } else {
                push @d, "row $i $k: '" . ($v // 'none') . "', want '$w'"
                    unless defined $v && $v eq $w;
            }
        }
    }
    ok(!@d, "$name: the cells equal the JSON's") or diag(join("\n", @d));
    return $rows;
}

{
    my $rows = check_csv('/api/v1/stats?from=2024-06-01&to=2024-06-15'
        . '&group=agency,channel&format=csv', 'CSV by agency and channel',
        [qw(agency channel)]);
    # the hand-made figures, as cells: a null rate is an empty cell
    my ($postal) = grep { $_->[0] eq '000.00.12.H36' && $_->[2] eq 'postal' }
        @{ $rows // [] }[1 .. $#{ $rows // [] }];
    my ($otr) = grep { $rows->[0][$_] eq 'on_time_rate' }
        0 .. $#{ $rows->[0] // [] };
    is($postal && defined $otr && $postal->[$otr], '',
        'CSV: an empty cell for a null rate');
    ok(scalar(grep { $_->[1] eq $COMMUNE } @{ $rows // [] }) == 2,
        'CSV: a name with quotes and a comma comes back whole');
    check_csv('/api/v1/stats?period=all&format=csv', 'CSV without group', []);
    check_csv('/api/v1/stats?period=all&group=top_agency,field,level'
        . '&format=csv', 'CSV by three dimensions',
        [qw(top_agency field level)]);
    check_csv('/api/v1/stats?period=today&group=procedure&format=csv',
        'CSV by procedure', [qw(procedure)]);
}

# ---------------------------------------------------------------------
# headers, ETag, 304, HEAD, other methods

my $Q = '/api/v1/stats?from=2024-06-01&to=2024-06-15&group=agency,channel';
my $etag;
{
    my $res = $t->get($Q);
    is($res->{headers}{'access-control-allow-origin'}, '*',
        'Access-Control-Allow-Origin: *');
    is($res->{headers}{'cache-control'}, 'public, max-age=60',
        'Cache-Control: public, max-age=60');
    like($res->{headers}{'content-type'}, qr{^application/json; ?charset=utf-8$}i,
        'JSON Content-Type');
    ok(!exists $res->{headers}{'set-cookie'}, 'no cookie');
    $etag = $res->{headers}{etag};
    like($etag // '', qr/^(W\/)?"[^"]*"$/, 'an ETag');

    my $again = $t->get($Q);
    is($again->{headers}{etag}, $etag, 'the same ETag for the same figures');

    my $nm = $t->get($Q, headers => { 'If-None-Match' => $etag });
    is($nm->{status}, 304, 'If-None-Match: 304');
    is($nm->{content} // '', '', '304: no body');
    $nm = $t->get($Q, headers => { 'If-None-Match' => "\"nope\", $etag" });
    is($nm->{status}, 304, 'If-None-Match with a list: 304');
    $nm = $t->get($Q, headers => { 'If-None-Match' => '"nope"' });
    is($nm->{status}, 200, 'If-None-Match with another tag: 200');

    my $csv = $t->get("$Q&format=csv");
    isnt($csv->{headers}{etag}, $etag, 'CSV has an ETag of its own');
    is($csv->{headers}{'access-control-allow-origin'}, '*', 'CSV: CORS');
    is($csv->{headers}{'cache-control'}, 'public, max-age=60',
        'CSV: Cache-Control');

    my $head = $t->http('HEAD', $Q);
    is($head->{status}, 200, 'HEAD: 200');
    is($head->{content} // '', '', 'HEAD: no body');
    is($head->{headers}{etag}, $etag, 'HEAD: the ETag');
    is($head->{headers}{'cache-control'}, 'public, max-age=60',
        'HEAD: Cache-Control');
    like($head->{headers}{'content-type'} // '', qr{^application/json},
        'HEAD: Content-Type');

    for my $m (qw(POST PUT DELETE PATCH)) {
        my $r = $t->http($m, $Q, body => '{}');
        my $e = eval { $json->decode($r->{content}) };
        is($r->{status}, 405, "$m: 405");
        is($r->{headers}{'access-control-allow-origin'}, '*',
            "$m: the CORS header, as on the answers");
        ok(ref $e eq 'HASH' && ref $e->{error} eq 'HASH'
            && defined $e->{error}{code}, "$m: the error object")
            or diag($r->{content});
    }
    # the answer is not all: the worker must live on
    sleep 0.3;
    my @crash = grep { /exited on signal/ } split /\n/, $t->error_log;
    is(scalar(@crash), 0, 'no worker dies answering 405')
        or diag(join("\n", @crash));
}

# a write that changes the figures changes the ETag, and is in the very
# next answer
{
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(rec(code => 'G-1', agency => '000.00.12.H36',
            procedure => '1.001234', channel => 'direct',
            received_at => '2024-06-15T09:00:00+07:00',
            due_at => '2024-06-20')));
    is($r->{status}, 200, 'a new dossier') or diag($r->{content});
    my $res = $t->get($Q);
    isnt($res->{headers}{etag}, $etag, 'the ETag changes after a write');
    my $nm = $t->get($Q, headers => { 'If-None-Match' => $etag });
    is($nm->{status}, 200, 'the old ETag: 200, not 304');
    my $j = eval { $json->decode($res->{content}) };
    is($j && $j->{totals}{received}, 5, 'the write is in the next answer');

    # an update of an old dossier changes the old period's figures
    my (undef, $before) = get_json('/api/v1/stats?from=2024-04-01&to=2024-04-30');
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(rec(code => 'D-1', version => 2,
            agency => '000.00.30.H36', procedure => '1.001234',
            channel => 'direct', received_at => '2024-04-01',
            due_at => '2024-04-10', resolved_at => '2024-04-09')));
    is($r->{status}, 200, 'a correction of an old dossier')
        or diag($r->{content});
    my (undef, $after) = get_json('/api/v1/stats?from=2024-04-01&to=2024-04-30');
    my @d = same($after && $after->{totals}, counters(received => 1,
        received_direct => 1, resolved => 1, resolved_early => 1));
    ok(!@d, 'the correction shows in the old period') or diag(join("\n", @d));
    $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(rec(code => 'D-1', version => 3,
            agency => '000.00.30.H36', procedure => '1.001234',
            channel => 'direct', received_at => '2024-04-01',
            due_at => '2024-04-10')));
    is($r->{status}, 200, 'and back') or diag($r->{content});

    # writes and reads one after the other, over both workers
    my (undef, $base) = get_json('/api/v1/stats?period=today');
    my $n0 = $base ? $base->{totals}{received} : -1;
    my @miss;
    for my $i (1 .. 20) {
        my $w = $t->http('POST', '/api/v1/ingest/dossiers',
            headers => \%admin, body => $json->encode(rec(
                code => "H-$i", agency => '000.30.01.H36',
                procedure => '1.000894', channel => 'online',
                received_at => '2024-06-15', due_at => '2024-06-18')));
        my (undef, $s) = get_json('/api/v1/stats?period=today');
        push @miss, "write $i: $w->{status}, received "
            . ($s ? $s->{totals}{received} : 'error') . ', want ' . ($n0 + $i)
            unless $w->{status} == 200 && $s
                && $s->{totals}{received} == $n0 + $i;
    }
    is_deeply(\@miss, [], "every write's 200 is in the very next answer");

    my $del = $t->http('DELETE', '/api/v1/ingest/dossiers/H-20',
        headers => \%admin);
    is($del->{status}, 200, 'a delete');
    my (undef, $s) = get_json('/api/v1/stats?period=today');
    is($s && $s->{totals}{received}, $n0 + 19, 'the delete is in the next'
        . ' answer');
}

# writes of the CLI while nginx runs show within one second
sub poll_received($want) {
    my $t0 = time;
    for (;;) {
        my (undef, $s) = get_json('/api/v1/stats?period=today');
        my $got = $s ? $s->{totals}{received} : -1;
        my $dt = time - $t0;
        return ($got, $dt) if $got == $want || $dt > 1.0;
        sleep 0.02;
    }
}
{
    my (undef, $s) = get_json('/api/v1/stats?period=today');
    my $n0 = $s ? $s->{totals}{received} : -1;
    my $nd = join('', map { $json->encode(rec(code => "CLI-$_",
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'postal', received_at => '2024-06-15T07:59:59+07:00',
        due_at => '2024-06-25')) . "\n" } 1 .. 3);
    my ($rc, $out, $err) = $t->cli('import', '-', \$nd);
    is($rc, 0, 'onestop import while nginx runs') or diag("$out$err");
    my ($got, $dt) = poll_received($n0 + 3);
    is($got, $n0 + 3, sprintf('the import shows in /api/v1/stats (after'
        . ' %.3f s)', $dt));
    cmp_ok($dt, '<=', 1.0, 'within one second');

    ($rc, $out, $err) = $t->cli('delete', 'CLI-2');
    is($rc, 0, 'onestop delete while nginx runs') or diag("$out$err");
    ($got, $dt) = poll_received($n0 + 2);
    is($got, $n0 + 2, sprintf('the delete shows (after %.3f s)', $dt));
    cmp_ok($dt, '<=', 1.0, 'within one second');
}

# ---------------------------------------------------------------------
# figures across a reload and across a killed nginx

my @PATHS = (
    '/api/v1/stats?period=all&group=agency,channel',
    '/api/v1/stats?period=today&group=top_agency,field,level',
    '/api/v1/stats?from=2024-05-01&to=2024-06-15&interval=day',
    '/api/v1/stats?period=year&group=procedure&format=csv',
);

sub snapshot() { [map { my $r = $t->get($_); "$r->{status} $r->{content}" }
    @PATHS] }

my $snap = snapshot();
ok(!grep({ !/^200 / } @$snap), 'the answers before') or diag("@$snap");

$t->write_conf(conf('onestop_public_max_age 5;'));
my ($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t with onestop_public_max_age 5') or diag($out);
ok($t->reload, 'nginx -s reload');
is_deeply(snapshot(), $snap, 'the same figures after the reload');
{
    my $res = $t->get($Q);
    is($res->{headers}{'cache-control'}, 'public, max-age=5',
        'Cache-Control: public, max-age=5 when configured');
    $res = $t->get("$Q&format=csv");
    is($res->{headers}{'cache-control'}, 'public, max-age=5',
        'CSV: max-age=5 when configured');
}

$t->stop('KILL');
ok($t->start, 'nginx starts again after kill -9');
is_deeply(snapshot(), $snap, 'the same figures after kill -9 and a restart');
{
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(rec(code => 'K-1', agency => '000.00.12.H36',
            procedure => '1.001234', channel => 'online',
            received_at => '2024-06-15', due_at => '2024-06-15')));
    is($r->{status}, 200, 'a write after the restart') or diag($r->{content});
    my (undef, $s) = get_json('/api/v1/stats?period=today&channel=online'
        . '&agency=000.00.12.H36');
    is($s && $s->{totals}{received}, 1, 'and it shows');
}

($rc, $out) = $t->cli('verify');
is($rc, 0, 'onestop verify') or diag($out);

$t->check_log;
$t->stop;

done_testing();
