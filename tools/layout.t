#!/usr/bin/perl

# The house's shape (issue 12), checked so that it stays: no source file
# of engine/ or ngx_onestop/ over 1,000 lines (data tables, *_data.c,
# apart); the nginx layer under 6,000 lines; no circle between the
# engine's files; no two files of ngx_onestop/ that call each other.
#
# A file "calls" another when it names a function that the other defines
# (nginx style: the name at the start of a line, then its parameters).

use v5.36;

use Test::More;

chdir "$0/../.." =~ s{/tools/\.\./\.\.$}{}r if $0 =~ m{/};
my $root = -d 'engine' ? '.' : '..';

sub slurp ($f) {
    open(my $fh, '<', $f) or die "$f: $!";
    local $/;
    return <$fh>;
}

sub lines ($f) { my $n = () = slurp($f) =~ /\n/g; $n }

# the source without comments and strings, so that neither counts as a call
sub code ($f) {
    my $s = slurp($f);
    $s =~ s{/\*.*?\*/}{ }gs;
    $s =~ s{//[^\n]*}{}g;
    $s =~ s{"(?:[^"\\\n]|\\.)*"}{""}g;
    return $s;
}

sub graph (@files) {
    my (%defines, %calls);
    for my $f (@files) {
        my $c = code($f);
        while ($c =~ /^([A-Za-z_]\w*)\(/mg) {
            $defines{$1} //= $f;
        }
    }
    for my $f (@files) {
        my $c = code($f);
        # what the file itself defines is not a call to another
        my %own = map { $_ => 1 } ($c =~ /^([A-Za-z_]\w*)\(/mg);
        while ($c =~ /\b([A-Za-z_]\w*)\s*\(/g) {
            my $d = $defines{$1} or next;
            next if $own{$1} || $d eq $f;
            $calls{$f}{$d}{$1} = 1;
        }
    }
    return \%calls;
}

my @engine = grep { !m{/test/} } glob("$root/engine/*.c");
my @ngx = (glob("$root/ngx_onestop/*.c"), glob("$root/ngx_onestop/*.h"));

for my $f (@engine, @ngx) {
    next if $f =~ /_data\.c$/;
    cmp_ok(lines($f), '<=', 1000, "$f: at most 1,000 lines");
}

my $total = 0;
$total += lines($_) for @ngx;

# the same without blank lines (nginx's style puts one after every block of
# declarations and two between functions) and without comments: said, not
# tested, for the issue's owner to weigh
my $code = 0;
for my $f (@ngx) {
    open(my $fh, '<', $f) or die "$f: $!";
    local $/;
    (my $text = <$fh>) =~ s{/\*.*?\*/}{"\n" x ($& =~ tr/\n//)}gse;
    $code += grep { /\S/ } split /\n/, $text;
}
diag("the nginx layer: $total lines, $code of them code (no blank line, "
     . "no comment)");

TODO: {
    # not met yet: the second wave's handlers (questions, the feed split,
    # replication) landed in the nginx layer while it was being cut
    local $TODO = 'issue 12: the nginx layer is still over 6,000 lines';
    cmp_ok($total, '<', 6000, "the nginx layer: $total lines, under 6,000");
}

# ngx_onestop/: no two files that call each other
my $g = graph(grep { /\.c$/ } @ngx);
my @pairs;
for my $a (sort keys %$g) {
    for my $b (sort keys %{ $g->{$a} }) {
        next unless $a lt $b && $g->{$b}{$a};
        push @pairs, sprintf("%s <-> %s (%s / %s)", $a, $b,
            join(',', sort keys %{ $g->{$a}{$b} }),
            join(',', sort keys %{ $g->{$b}{$a} }));
    }
}
is(scalar(@pairs), 0, 'no two files of ngx_onestop/ call each other')
    or diag(join("\n", @pairs));

# engine/: no circle of any length
$g = graph(@engine);
my (%state, @cycle);
my $visit;
$visit = sub ($f, @path) {
    return if @cycle;
    $state{$f} = 1;
    for my $d (sort keys %{ $g->{$f} // {} }) {
        if (($state{$d} // 0) == 1) {
            my @p = (@path, $f);
            my ($i) = grep { $p[$_] eq $d } 0 .. $#p;
            @cycle = (@p[$i .. $#p], $d);
            return;
        }
        $visit->($d, @path, $f) unless $state{$d};
        return if @cycle;
    }
    $state{$f} = 2;
};
$visit->($_) for grep { !$state{$_} } sort @engine;
is(scalar(@cycle), 0, 'no circle between the engine\'s files')
    or diag(join(' -> ', @cycle) . "\n" . join("\n", map {
        my ($a, $b) = ($cycle[$_], $cycle[$_ + 1]);
        "  $a calls $b: " . join(',', sort keys %{ $g->{$a}{$b} })
    } 0 .. $#cycle - 1));

done_testing();
